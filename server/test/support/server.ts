import type { FastifyInstance } from 'fastify';
import { createTestDatabase, type TestDatabase } from '@vigilo/tests/support/postgres';
import { loadConfig } from '../../src/config/env.ts';
import { loadMigrations, migrate } from '../../src/db/migrate.ts';
import { createPool } from '../../src/db/pool.ts';
import { buildApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import type { Services } from '../../src/services.ts';

export type TestServer = {
  services: Services;
  app: FastifyInstance;
  /** Base URL once listening on an ephemeral loopback port. */
  url: string;
  database: TestDatabase;
  close(): Promise<void>;
};

/** A real server on a throw-away database, migrated, listening on 127.0.0.1 at a free port. */
export async function startTestServer(opts: { migrateDb?: boolean } = {}): Promise<TestServer> {
  const database = await createTestDatabase('server');
  const db = createPool(database.url, 5, 'vigilo-test');
  const migrations = await loadMigrations();
  if (opts.migrateDb !== false) {
    const client = await db.connect();
    try {
      await migrate(client, migrations);
    } finally {
      client.release();
    }
  }
  const services: Services = {
    config: loadConfig({ DATABASE_URL: database.url, VIGILO_LOG_LEVEL: 'silent' }, process.cwd()),
    log: createLogger('silent'),
    metrics: createMetrics(),
    db,
    migrations,
    clock: () => new Date(),
    version: 'test',
  };
  const app = await buildApp(services);
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    services,
    app,
    url: address,
    database,
    close: async () => {
      await app.close();
      await db.end();
      await database.drop();
    },
  };
}
