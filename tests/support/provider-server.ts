import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type pg from 'pg';
import { findFreePort } from '../../server/src/embedded/ports.ts';
import { registerBuiltInProvider } from '../../server/src/identity/http.ts';
import { loadOrCreateProviderKeys } from '../../server/src/identity/keys.ts';
import { createLocalAccount } from '../../server/src/identity/local-accounts.ts';
import { type BuiltInProvider, createBuiltInProvider } from '../../server/src/identity/provider.ts';
import {
  createMemoryRateLimiter,
  createSignInThrottle,
  type SignInThrottle,
} from '../../server/src/identity/rate-limit.ts';
import { createLogger } from '../../server/src/observability/logger.ts';
import { createMigratedDatabase } from './database.ts';

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
 * throw-away database, with the given local accounts. The issuer must be known before listening,
 * so a free port is picked first. Without a throttle, sign-ins are limited generously in memory.
 */
export async function startProviderServer(
  opts: {
    throttle?: SignInThrottle;
    accessTokenTtlSeconds?: number;
    accounts?: Array<{ email: string; name: string; password: string }>;
  } = {},
): Promise<ProviderServer> {
  const db = await createMigratedDatabase('identity');
  for (const account of opts.accounts ?? []) await createLocalAccount(db.pool, account);
  const home = await mkdtemp(path.join(os.tmpdir(), 'vigilo-identity-'));
  const port = await findFreePort('127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  const idp = createBuiltInProvider({
    issuer: `${url}/oidc`,
    db: db.pool,
    keys: await loadOrCreateProviderKeys(home),
    log: createLogger('silent'),
    throttle:
      opts.throttle ??
      createSignInThrottle({
        perAccount: createMemoryRateLimiter({ limit: 10, windowMs: 60_000 }),
        perIp: createMemoryRateLimiter({ limit: 50, windowMs: 60_000 }),
      }),
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
