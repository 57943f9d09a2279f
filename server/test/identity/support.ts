import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@vigilo/tests/support/postgres';
import { loadMigrations, migrate } from '../../src/db/migrate.ts';
import { findFreePort } from '../../src/embedded/ports.ts';
import { registerBuiltInProvider } from '../../src/identity/http.ts';
import { loadOrCreateProviderKeys } from '../../src/identity/keys.ts';
import { type BuiltInProvider, createBuiltInProvider } from '../../src/identity/provider.ts';
import type { SignInThrottle } from '../../src/identity/rate-limit.ts';
import { createLogger } from '../../src/observability/logger.ts';

/** A throw-away database with every repository migration applied, and an owner-role pool on it. */
export async function createMigratedDatabase(
  label: string,
): Promise<{ database: TestDatabase; pool: pg.Pool; close(): Promise<void> }> {
  const database = await createTestDatabase(label);
  const pool = new pg.Pool({ connectionString: database.url, max: 5 });
  const client = await pool.connect();
  try {
    await migrate(client, await loadMigrations());
  } finally {
    client.release();
  }
  return {
    database,
    pool,
    close: async () => {
      await pool.end();
      await database.drop();
    },
  };
}

export type ProviderServer = {
  url: string;
  issuer: string;
  idp: BuiltInProvider;
  app: FastifyInstance;
  pool: pg.Pool;
  home: string;
  close(): Promise<void>;
};

/**
 * A real Fastify server on 127.0.0.1 with the built-in provider mounted at /oidc, on a migrated
 * throw-away database. The issuer must be known before listening, so a free port is picked first.
 */
export async function startProviderServer(opts: {
  throttle: SignInThrottle;
  accessTokenTtlSeconds?: number;
}): Promise<ProviderServer> {
  const db = await createMigratedDatabase('identity');
  const home = await mkdtemp(path.join(os.tmpdir(), 'vigilo-identity-'));
  const port = await findFreePort('127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  const idp = createBuiltInProvider({
    issuer: `${url}/oidc`,
    db: db.pool,
    keys: await loadOrCreateProviderKeys(home),
    log: createLogger('silent'),
    throttle: opts.throttle,
    accessTokenTtlSeconds: opts.accessTokenTtlSeconds,
  });
  const app = Fastify({ logger: false });
  app.get('/healthz', () => ({ status: 'ok' }));
  await registerBuiltInProvider(app, idp);
  await app.listen({ host: '127.0.0.1', port });
  return {
    url,
    issuer: idp.issuer,
    idp,
    app,
    pool: db.pool,
    home,
    close: async () => {
      await app.close();
      await db.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** Just enough of a browser's cookie store: name + path scoping, deletion by expiry. */
export class CookieJar {
  private cookies = new Map<string, { name: string; value: string; path: string }>();

  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let cookiePath = '/';
      let expired = false;
      for (const attr of attrs) {
        const [k = '', v = ''] = attr.split('=');
        if (k.toLowerCase() === 'path') cookiePath = v;
        if (k.toLowerCase() === 'expires' && new Date(v).getTime() < Date.now()) expired = true;
        if (k.toLowerCase() === 'max-age' && Number(v) <= 0) expired = true;
      }
      const key = `${name}|${cookiePath}`;
      if (expired || value === '') this.cookies.delete(key);
      else this.cookies.set(key, { name, value, path: cookiePath });
    }
  }

  header(url: string): string {
    const { pathname } = new URL(url);
    return [...this.cookies.values()]
      .filter((c) => pathname === c.path || pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }
}

/** A fetch that keeps cookies and never follows redirects (the test follows them explicitly). */
export async function browse(jar: CookieJar, url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const cookie = jar.header(url);
  if (cookie) headers.set('cookie', cookie);
  const res = await fetch(url, { ...init, headers, redirect: 'manual' });
  jar.store(res);
  return res;
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The desktop's side of RFC 8252: a loopback HTTP server on a random port that receives the code. */
export async function startLoopbackReceiver(): Promise<{
  redirectUri: string;
  received: Promise<URL>;
  close(): Promise<void>;
}> {
  let resolve: (u: URL) => void = () => {};
  const received = new Promise<URL>((r) => (resolve = r));
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    res.writeHead(200, { 'content-type': 'text/plain' }).end('You can close this window.');
    if (url.pathname === '/callback') resolve(url);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address() as { port: number };
  return {
    redirectUri: `http://127.0.0.1:${address.port}/callback`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * Follows redirects like a browser (GET, same cookie jar) until one leaves the server or a page
 * is shown. Returns the last response and the URL it came from.
 */
export async function followRedirects(jar: CookieJar, start: string, serverUrl: string) {
  let url = start;
  for (let i = 0; i < 10; i++) {
    const res = await browse(jar, url);
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) return { res, url };
    await res.arrayBuffer();
    url = new URL(location, url).href;
    if (!url.startsWith(serverUrl)) return { res, url, left: true as const };
  }
  throw new Error('too many redirects');
}

/** Pulls the form action out of the sign-in page. */
export function formAction(html: string): string {
  const match = /<form method="post" action="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error(`no sign-in form in page:\n${html.slice(0, 500)}`);
  return match[1].replace(/&amp;/g, '&');
}
