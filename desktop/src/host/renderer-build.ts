import { execFile } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const desktopDir = fileURLToPath(new URL('../../', import.meta.url));
/** Where the built renderer lives (what `npm run build:renderer -w @vigilo/desktop` writes). */
export const RENDERER_DIR = path.join(desktopDir, 'out', 'renderer');

/** Everything the renderer bundle is made from: newer than the bundle means it is stale. */
const SOURCES = [
  path.join(desktopDir, 'src', 'renderer'),
  path.join(desktopDir, 'src', 'bridge'),
  path.join(desktopDir, '..', 'shared', 'src'),
  path.join(desktopDir, 'vite.renderer.config.ts'),
];

/** True when the built renderer is missing or older than one of its sources. */
export function rendererIsStale(outDir = RENDERER_DIR): boolean {
  const index = path.join(outDir, 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  return SOURCES.some((source) => newestMtime(source) > built);
}

/**
 * Builds the renderer when it is missing or stale, so a start after editing the UI serves the
 * edit and a plain second start costs one directory walk. The bundle is built beside the old one
 * and swapped in by renames, so a host serving the old files never sees a half-written folder.
 */
export async function ensureRendererBuilt(opts: { print?: (line: string) => void } = {}): Promise<string> {
  if (!rendererIsStale()) return RENDERER_DIR;
  opts.print?.('Building the desktop UI (once after each change) …');
  const tmp = `${RENDERER_DIR}.${process.pid}.tmp`;
  const old = `${RENDERER_DIR}.${process.pid}.old`;
  await buildRenderer(tmp);
  try {
    if (existsSync(RENDERER_DIR)) renameSync(RENDERER_DIR, old);
    renameSync(tmp, RENDERER_DIR);
  } catch (err) {
    // Another build (a second start, `npm run build:renderer`) wrote the folder in between:
    // theirs is as fresh as ours.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    rmSync(tmp, { recursive: true, force: true });
  } finally {
    rmSync(old, { recursive: true, force: true });
  }
  return RENDERER_DIR;
}

/** Runs the renderer's vite build into `outDir` (an absolute path). */
export async function buildRenderer(outDir: string): Promise<void> {
  const vite = path.join(
    path.dirname(createRequire(import.meta.url).resolve('vite/package.json')),
    'bin',
    'vite.js',
  );
  await promisify(execFile)(
    process.execPath,
    [
      vite,
      'build',
      '-c',
      'vite.renderer.config.ts',
      '--outDir',
      outDir,
      '--emptyOutDir',
      '--logLevel',
      'warn',
    ],
    { cwd: desktopDir },
  );
}

function newestMtime(file: string): number {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(file, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}
