import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createTestDatabase, type TestDatabase } from '@vigilo/tests/support/postgres';
import pg from 'pg';
import { loadConfig } from '../../src/config/env.ts';
import { loadMigrations, migrate } from '../../src/db/migrate.ts';
import { buildApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startRuntime } from '../../src/runtime.ts';
import type { Services } from '../../src/services.ts';
import type { AccessTokenVerifier } from '../../src/trpc/principal.ts';

export type TestServer = {
  services: Services;
  app: FastifyInstance;
  /** Base URL once listening on an ephemeral loopback port. */
  url: string;
  database: TestDatabase;
  close(): Promise<void>;
};

/**
 * A real server on a throw-away database, migrated, listening on 127.0.0.1 at a free port. The
 * dispatcher and delivery worker are off unless asked for: tests run their passes by hand.
 */
export async function startTestServer(
  opts: {
    migrateDb?: boolean;
    verifyAccessToken?: AccessTokenVerifier;
    clock?: () => Date;
    env?: Record<string, string>;
    /** Run the dispatcher, delivery worker and scheduler as the product does (default off). */
    background?: boolean;
    /** The AES key for secrets; give one to share it with other server processes of the test. */
    secretKey?: Buffer;
  } = {},
): Promise<TestServer> {
  const database = await createTestDatabase('server');
  if (opts.migrateDb !== false) {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await migrate(client, await loadMigrations());
    } finally {
      await client.end();
    }
  }
  const config = loadConfig(
    {
      DATABASE_URL: database.url,
      VIGILO_LOG_LEVEL: 'silent',
      // The tests' receivers (HTTP, SMTP) listen on 127.0.0.1: allowed narrowly, as an operator would.
      VIGILO_OUTBOUND_ALLOW: '127.0.0.1/32',
      ...opts.env,
    },
    process.cwd(),
  );
  const runtime = await startRuntime({
    config,
    log: createLogger('silent'),
    databaseUrl: database.url,
    secretKey: opts.secretKey ?? randomBytes(32),
    verifyAccessToken: opts.verifyAccessToken,
    background: opts.background ?? false,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  const services = { ...runtime.services, version: 'test' };
  const app = await buildApp(services);
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    services,
    app,
    url: address,
    database,
    close: async () => {
      await app.close();
      await runtime.stop();
      await database.drop();
    },
  };
}
