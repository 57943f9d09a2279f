import type { Logger } from 'pino';
import type pg from 'pg';
import type { Config } from './config/env.ts';
import type { Migration } from './db/migrate.ts';
import type { Metrics } from './observability/metrics.ts';

/**
 * The long-lived parts of a running server, built once at start and handed to the HTTP layer and
 * to every request's context. Nothing here is a module-level singleton, so tests can build several.
 */
export type Services = {
  config: Config;
  log: Logger;
  metrics: Metrics;
  /** Owner-role pool; later issues add the runtime (RLS-bound) pool beside it. */
  db: pg.Pool;
  migrations: Migration[];
  clock: () => Date;
  version: string;
};
