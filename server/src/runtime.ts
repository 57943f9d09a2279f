import { Redis } from 'ioredis';
import {
  createMemoryRateLimiter,
  createRedisRateLimiter,
  CREDENTIAL_FAILURE_POLICY,
} from './identity/rate-limit.ts';
import type { Logger } from 'pino';
import type { Config } from './config/env.ts';
import { loadMigrations } from './db/migrate.ts';
import { openDatabase } from './db/pool.ts';
import { createMemoryBus, createRedisBus, type EventBus } from './events/bus.ts';
import { createDeliveryWorker } from './events/delivery-worker.ts';
import { DELIVERY_TIMEOUT_MS } from './events/delivery-timing.ts';
import { startDispatcher } from './events/dispatcher.ts';
import { DEFAULT_DELIVERY_BACKOFF } from './integrations/backoff.ts';
import { outboundPolicy } from './integrations/outbound/policy.ts';
import { SecretBox } from './integrations/secrets.ts';
import { complianceJobs } from './jobs/compliance-jobs.ts';
import { complianceReminderJobs } from './jobs/compliance-reminders.ts';
import { evidenceJobs } from './jobs/evidence-jobs.ts';
import { monitoringJobs } from './jobs/monitoring-jobs.ts';
import { escalationJobs } from './oncall/escalation-jobs.ts';
import { reliabilityJobs } from './jobs/reliability-jobs.ts';
import { createScheduler } from './jobs/scheduler.ts';
import { createDirectSink } from './monitoring/ingest/direct-sink.ts';
import type { IngestSink } from './monitoring/ingest/ingest.ts';
import { startScaledIngest } from './monitoring/ingest/scaled-ingest.ts';
import { createMetrics } from './observability/metrics.ts';
import type { Services } from './services.ts';
import type { AccessTokenVerifier } from './identity/access-token.ts';
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
  const db = await openDatabase({
    ownerUrl: opts.databaseUrl,
    appUrl: opts.config.appDatabaseUrl,
    poolSize: opts.config.dbPoolSize,
    applicationName: 'vigilo-server',
    log: opts.log,
  });
  const roles = opts.config.roles;
  const metrics = createMetrics();
  const stops: Array<() => Promise<void>> = [];
  let bus: EventBus;
  let ingest: IngestSink;
  let credentialFailures = createMemoryRateLimiter(CREDENTIAL_FAILURE_POLICY, {
    clock: () => clock().getTime(),
  });
  if (opts.config.redisUrl) {
    const url = opts.config.redisUrl;
    const publisher = new Redis(url, { lazyConnect: true });
    const subscriber = new Redis(url, { lazyConnect: true });
    // The receiver's commands fail fast while Redis is away (answered as backpressure), rather
    // than queueing in memory behind an acknowledgement the agent already has.
    const receiver = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    });
    for (const client of [publisher, subscriber, receiver]) {
      // ioredis reconnects by itself; log the outage instead of crashing on an unhandled event.
      client.on('error', (err: Error) => opts.log.warn({ err: err.message }, 'redis connection error'));
    }
    await Promise.all([publisher.connect(), subscriber.connect(), receiver.connect()]);
    bus = createRedisBus(publisher, subscriber, opts.config.redisPrefix);
    // Shared by every process, so spreading requests over them does not multiply the limit.
    credentialFailures = createRedisRateLimiter(publisher, CREDENTIAL_FAILURE_POLICY, {
      clock: () => clock().getTime(),
      prefix: `${opts.config.redisPrefix}credential-failures:`,
    });
    const scaled = await startScaledIngest({
      url,
      receiver,
      config: opts.config,
      db,
      clock,
      log: opts.log,
      metrics: metrics.ingest,
      workers: roles.has('worker') && opts.background !== false,
    });
    ingest = scaled.sink;
    stops.push(async () => {
      await scaled.stop();
      receiver.disconnect();
    });
  } else {
    bus = createMemoryBus();
    ingest = createDirectSink(db, clock);
    stops.push(() => ingest.close());
  }
  const secrets = new SecretBox(opts.secretKey);
  const services: Services = {
    config: opts.config,
    log: opts.log,
    metrics,
    db,
    migrations: await loadMigrations(),
    bus,
    ingest,
    secrets,
    verifyAccessToken: opts.verifyAccessToken,
    clock,
    version: VERSION,
    credentialFailures,
  };

  if (opts.background !== false && roles.has('worker')) {
    const worker = createDeliveryWorker({
      owner: db.owner,
      secrets,
      log: opts.log.child({ component: 'deliveries' }),
      clock,
      backoff: DEFAULT_DELIVERY_BACKOFF,
      disableAfterFailures: 20,
      timeoutMs: DELIVERY_TIMEOUT_MS,
      leaseMs: opts.config.deliveryLeaseMs,
      outbound: outboundPolicy({ allow: opts.config.outboundAllow }),
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
  if (opts.background !== false && roles.has('scheduler')) {
    const scheduler = createScheduler({
      owner: db.owner,
      jobs: [
        ...monitoringJobs(db.owner, { retentionDays: opts.config.snapshotRetentionDays }),
        ...complianceJobs(db),
        ...complianceReminderJobs(db),
        ...evidenceJobs(db),
        ...escalationJobs(db.owner),
        ...reliabilityJobs(db.owner),
      ],
      clock,
      log: opts.log.child({ component: 'scheduler' }),
    });
    stops.push(() => scheduler.stop());
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
