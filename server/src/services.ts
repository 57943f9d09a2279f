import type { RateLimiter } from './identity/rate-limit.ts';
import type { Logger } from 'pino';
import type { Config } from './config/env.ts';
import type { Migration } from './db/migrate.ts';
import type { Database } from './db/pool.ts';
import type { EventBus } from './events/bus.ts';
import type { IngestSink } from './monitoring/ingest/ingest.ts';
import type { SecretBox } from './integrations/secrets.ts';
import type { Metrics } from './observability/metrics.ts';
import type { AccessTokenVerifier } from './identity/access-token.ts';

/**
 * The long-lived parts of a running server, built once at start and handed to the HTTP layer and
 * to every request's context. Nothing here is a module-level singleton, so tests can build several.
 */
export type Services = {
  config: Config;
  log: Logger;
  metrics: Metrics;
  db: Database;
  migrations: Migration[];
  bus: EventBus;
  /** Where agent batches go: straight to Postgres, or a Redis stream in scaled mode. */
  ingest: IngestSink;
  secrets: SecretBox;
  /** Validates OIDC access tokens; undefined when no identity provider is configured. */
  verifyAccessToken: AccessTokenVerifier | undefined;
  clock: () => Date;
  version: string;
  /** Failed credential checks per client address (CREDENTIAL_FAILURE_POLICY). */
  credentialFailures: RateLimiter;
};
