import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bridgeKey } from '../src/host/desktop-host.ts';
import { tempDir } from './support/core.ts';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

describe('the desktop host’s bridge key', () => {
  it('is kept in the data folder (0600), so a tab left open across a restart is still accepted', () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const first = bridgeKey(dir);
    expect(first).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(bridgeKey(dir)).toBe(first);
    expect(statSync(path.join(dir, 'bridge-key')).mode & 0o777).toBe(0o600);
    // Another data folder is another desktop: another key.
    const other = tempDir();
    cleanups.push(other.cleanup);
    expect(bridgeKey(other.dir)).not.toBe(first);
  });

  it('replaces a kept key that is not one (truncated, edited by hand)', () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    writeFileSync(path.join(dir, 'bridge-key'), 'short');
    const key = bridgeKey(dir);
    expect(key).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(bridgeKey(dir)).toBe(key);
  });
});
