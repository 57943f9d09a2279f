import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../server/src/config/env.ts';
import { buildApp } from '../../server/src/http/app.ts';
import { createLogger } from '../../server/src/observability/logger.ts';
import { startRuntime } from '../../server/src/runtime.ts';
import type { Services } from '../../server/src/services.ts';
import type { AccessTokenVerifier } from '../../server/src/trpc/principal.ts';
import { migrateDatabase } from './database.ts';
import { createTestDatabase, type TestDatabase } from './postgres.ts';

export type TestServer = {
  services: Services;
  /** The HTTP app serving now (a new one after {@link restart}). */
  readonly app: FastifyInstance;
  /** Base URL once listening on an ephemeral loopback port. */
  url: string;
  database: TestDatabase;
  /** Stops serving HTTP (an outage: the database, the data and the runtime stay). */
  stop(): Promise<void>;
  /** Serves again on the same port after {@link stop}. */
  restart(): Promise<void>;
  close(): Promise<void>;
};

/**
 * A real server on a throw-away database, migrated, listening on 127.0.0.1 at a free port. The
 * dispatcher and delivery worker are off unless asked for: tests run their passes by hand.
 */
export async function startTestServer(
  opts: {
    migrateDb?: boolean;
    /**
     * A database the caller made (one owned by a role of its choosing, say), used instead of a
     * new one and migrated as the role its URL names; the test server drops it when it closes.
     */
    database?: TestDatabase;
    verifyAccessToken?: AccessTokenVerifier;
    clock?: () => Date;
    env?: Record<string, string>;
    /** Run the dispatcher, delivery worker and scheduler as the product does (default off). */
    background?: boolean;
    /** The AES key for secrets; give one to share it with other server processes of the test. */
    secretKey?: Buffer;
  } = {},
): Promise<TestServer> {
  const database = opts.database ?? (await createTestDatabase('server'));
  if (opts.migrateDb !== false) await migrateDatabase(database.url);
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
  let app = await buildApp(services);
  let up = true;
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    services,
    get app() {
      return app;
    },
    url: address,
    database,
    stop: async () => {
      await stopServing(app);
      up = false;
    },
    restart: async () => {
      app = await buildApp(services);
      await app.listen({ host: '127.0.0.1', port: Number(new URL(address).port) });
      up = true;
    },
    close: async () => {
      if (up) await stopServing(app);
      await runtime.stop();
      await database.drop();
    },
  };
}

/**
 * Stops serving HTTP the way an outage does: no new connections, and the open ones dropped.
 * Fastify's close() alone waits for a keep-alive connection that was busy when it began until
 * the keep-alive timeout (72 s): a desktop syncing at that moment held tests up that long. So the
 * connections are dropped until close() returns.
 */
export async function stopServing(app: FastifyInstance): Promise<void> {
  const closing = app.close();
  app.server.closeAllConnections();
  const drop = setInterval(() => app.server.closeAllConnections(), 20);
  try {
    await closing;
  } finally {
    clearInterval(drop);
  }
}
