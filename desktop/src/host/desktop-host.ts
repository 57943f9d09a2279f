import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DesktopApp } from '../core/desktop-app.ts';
import { fileLog } from '../core/log.ts';
import { fileTokenStore, memoryTokenStore } from '../core/session/token-store.ts';
import { ensureRendererBuilt } from './renderer-build.ts';
import { startHost } from './server.ts';

export type DesktopHost = {
  /** The URL to open: the host's address with the per-run bridge key in the fragment. */
  url: string;
  app: DesktopApp;
  close(): Promise<void>;
};

/**
 * The whole headless desktop for one server: the renderer (built if stale), a {@link DesktopApp}
 * with tokens in a 0600 file under `dataDir` (or a fixed API token), and the host on 127.0.0.1.
 * Used by `npm start` (launcher/start.ts) and by `npm run host -w @vigilo/desktop`.
 */
export async function startDesktopHost(opts: {
  serverUrl: string;
  /** The OIDC issuer; default `<serverUrl>/oidc` (the server's built-in provider). */
  issuer?: string;
  dataDir: string;
  /** Preferred port; a taken one falls back to a free port. 0 or undefined: any free port. */
  port?: number;
  fixedToken?: string;
  workspace?: string;
  print?: (line: string) => void;
}): Promise<DesktopHost> {
  const rendererDir = await ensureRendererBuilt(opts.print ? { print: opts.print } : {});
  // JSON lines in the desktop home: what a person sends with a report when sync stops on a bug.
  const log = fileLog(opts.dataDir);
  const app = new DesktopApp({
    log,
    dataDir: opts.dataDir,
    serverUrl: opts.serverUrl,
    ...(opts.issuer ? { issuer: opts.issuer } : {}),
    tokens: opts.fixedToken ? memoryTokenStore() : fileTokenStore(path.join(opts.dataDir, 'tokens.json')),
    ...(opts.fixedToken ? { fixedToken: opts.fixedToken } : {}),
    ...(opts.workspace ? { workspace: opts.workspace } : {}),
    // Real timers: retries while the server is away.
    schedule: (fn, ms) => {
      const t = setTimeout(fn, ms);
      return () => clearTimeout(t);
    },
  });
  await app.start();
  try {
    const host = await startHost({
      app,
      rendererDir,
      port: opts.port ?? 0,
      portFallback: true,
      key: bridgeKey(opts.dataDir),
    });
    return {
      url: `${host.url}/#key=${host.key}`,
      app,
      close: async () => {
        await host.close();
        await app.close();
        log.close();
      },
    };
  } catch (err) {
    await app.close();
    log.close();
    throw err;
  }
}

/**
 * The bridge key, kept in the data folder (0600, beside the tokens it guards no less): a tab left
 * open across a restart of the desktop still holds a key the new run accepts, and reconnects by
 * itself instead of saying it is not connected. Anyone who can read this file can read the
 * tokens too, so keeping it adds no way in.
 */
export function bridgeKey(dataDir: string): string {
  const file = path.join(dataDir, 'bridge-key');
  try {
    const kept = readFileSync(file, 'utf8').trim();
    if (/^[A-Za-z0-9_-]{32,}$/.test(kept)) return kept;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const key = randomBytes(24).toString('base64url');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, key, { mode: 0o600 });
  chmodSync(file, 0o600);
  return key;
}
