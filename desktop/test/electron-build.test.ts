import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './support/core.ts';

// `electron-vite build` must pass in CI even though Electron itself cannot run here: it is what
// packaging (electron-builder.yml) starts from. Built into a temporary folder, so it never races
// the host's renderer build in desktop/out.
const desktopDir = fileURLToPath(new URL('..', import.meta.url));
const cli = path.join(desktopDir, '../node_modules/electron-vite/bin/electron-vite.js');
const out = tempDir('vigilo-electron-build-');
afterAll(() => out.cleanup());

describe('electron-vite build', () => {
  it('builds main, preload and renderer; the renderer holds no Node and the preload only the bridge', async () => {
    await promisify(execFile)(process.execPath, [cli, 'build', '--outDir', out.dir, '--logLevel', 'warn'], {
      cwd: desktopDir,
    });
    const main = readFileSync(path.join(out.dir, 'main/index.js'), 'utf8');
    const preload = readFileSync(path.join(out.dir, 'preload/index.cjs'), 'utf8');
    const html = readFileSync(path.join(out.dir, 'renderer/index.html'), 'utf8');
    const assets = readdirSync(path.join(out.dir, 'renderer/assets'));
    const script = assets.find((f) => f.endsWith('.js'));
    const renderer = readFileSync(path.join(out.dir, 'renderer/assets', script!), 'utf8');

    // Native and Electron modules stay external to main (rebuilt for Electron at packaging).
    expect(main).toMatch(/from ["']electron["']/);
    expect(main).toMatch(/from ["']better-sqlite3["']/);
    expect(main).toContain('requestSingleInstanceLock');
    expect(preload).toContain('contextBridge');
    expect(preload).toContain('vigiloBridge');
    expect(html).toContain('Content-Security-Policy');
    expect(renderer).not.toMatch(/require\(["']node:|from ["']node:/);
    expect(renderer).not.toContain('better-sqlite3');
  }, 120_000);
});
