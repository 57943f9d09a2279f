import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BridgeEvent } from '../../src/bridge/contract.ts';
import { DesktopCore, type CoreOptions } from '../../src/core/desktop-core.ts';

/** A network that can be cut like an outage (the server keeps running; requests fail to leave). */
export function switchableNetwork() {
  let online = true;
  const fetchFn: typeof globalThis.fetch = (input, init) =>
    online ? globalThis.fetch(input, init) : Promise.reject(new TypeError('fetch failed: network is down'));
  return {
    fetch: fetchFn,
    set online(v: boolean) {
      online = v;
    },
  };
}

/** A fresh data folder, removed by the returned cleanup. */
export function tempDir(prefix = 'vigilo-desktop-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A core for `workspace` on a real server with a fixed bearer token, recording its events. */
export function openCore(opts: Omit<CoreOptions, 'token'> & { token: string }): {
  core: DesktopCore;
  events: BridgeEvent[];
} {
  const events: BridgeEvent[] = [];
  const core = new DesktopCore({ ...opts, token: () => Promise.resolve(opts.token) });
  core.subscribe((e) => events.push(e));
  return { core, events };
}
