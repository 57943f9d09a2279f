import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from './config/env.ts';
import { loadMigrations } from './db/migrate.ts';
import { createDatabase } from './db/pool.ts';
import { createMemoryBus, createRedisBus, type EventBus } from './events/bus.ts';
import { createDeliveryWorker } from './events/delivery-worker.ts';
import { startDispatcher } from './events/dispatcher.ts';
import { DEFAULT_DELIVERY_BACKOFF } from './integrations/backoff.ts';
import { SecretBox } from './integrations/secrets.ts';
import { createMetrics } from './observability/metrics.ts';
import type { Services } from './services.ts';
import type { AccessTokenVerifier } from './trpc/principal.ts';
import { VERSION } from './version.ts';

export type Runtime = { services: Services; stop(): Promise<void> };

/**
 * Builds the running parts of a server on a migrated database: pools, the event bus (in-process,
 * or Redis when REDIS_URL is set), the dispatcher and the delivery worker. `stop` ends them in
 * reverse order.
 */
export async function startRuntime(opts: {
  config: Config;
  log: Logger;
  databaseUrl: string;
  secretKey: Uint8Array;
  verifyAccessToken: AccessTokenVerifier | undefined;
  clock?: () => Date;
  /** Background loops; tests turn them off and drive them by hand. */
  background?: boolean;
}): Promise<Runtime> {
  const clock = opts.clock ?? (() => new Date());
  const db = createDatabase(opts.databaseUrl, opts.config.dbPoolSize, 'vigilo-server');
  let bus: EventBus;
  if (opts.config.redisUrl) {
    const publisher = new Redis(opts.config.redisUrl, { lazyConnect: true });
    const subscriber = new Redis(opts.config.redisUrl, { lazyConnect: true });
    await Promise.all([publisher.connect(), subscriber.connect()]);
    bus = createRedisBus(publisher, subscriber);
  } else {
    bus = createMemoryBus();
  }
  const secrets = new SecretBox(opts.secretKey);
  const services: Services = {
    config: opts.config,
    log: opts.log,
    metrics: createMetrics(),
    db,
    migrations: await loadMigrations(),
    bus,
    secrets,
    verifyAccessToken: opts.verifyAccessToken,
    clock,
    version: VERSION,
  };

  const stops: Array<() => Promise<void>> = [];
  if (opts.background !== false) {
    const worker = createDeliveryWorker({
      owner: db.owner,
      secrets,
      log: opts.log.child({ component: 'deliveries' }),
      clock,
      backoff: DEFAULT_DELIVERY_BACKOFF,
      disableAfterFailures: 20,
      timeoutMs: 10_000,
    });
    let working: Promise<unknown> = Promise.resolve();
    const kick = () => {
      working = working
        .then(() => worker.runOnce())
        .catch((err: unknown) => opts.log.error({ err }, 'delivery pass failed'));
    };
    const timer = setInterval(kick, 2000);
    const dispatcher = startDispatcher({
      owner: db.owner,
      bus,
      log: opts.log.child({ component: 'dispatcher' }),
      onDeliveriesCreated: kick,
    });
    stops.push(async () => {
      clearInterval(timer);
      await dispatcher.stop();
      await working;
    });
  }
  return {
    services,
    stop: async () => {
      for (const stop of stops.reverse()) await stop();
      await bus.close();
      await db.end();
    },
  };
}
