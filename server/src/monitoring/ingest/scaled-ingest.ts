import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type pg from 'pg';
import type { Config } from '../../config/env.ts';
import type { IngestMetrics } from '../../observability/ingest-metrics.ts';
import { createDeadLetterStore } from './dead-letters.ts';
import type { IngestSink } from './ingest.ts';
import { createDurabilityGate, type DurabilityLevel } from './redis-durability.ts';
import { createRedisSink } from './redis-sink.ts';
import { streamNames } from './stream-names.ts';
import { createStreamWorker } from './stream-worker.ts';

const LEVEL_VALUE: Record<DurabilityLevel, number> = { durable: 2, 'restart-safe': 1, volatile: 0 };

/**
 * Scaled mode's ingest: the receiver's sink on `receiver` (a client without an offline queue, so
 * commands fail fast while Redis is away), its durability gate (checked before the first answer),
 * and with the worker role `config.ingestWorkers` stream consumers, each on its own connection
 * (a blocking XREADGROUP holds the connection it runs on).
 */
export async function startScaledIngest(opts: {
  url: string;
  receiver: Redis;
  config: Config;
  db: { owner: pg.Pool; app: pg.Pool };
  clock: () => Date;
  log: Logger;
  metrics: IngestMetrics;
  workers: boolean;
}): Promise<{ sink: IngestSink; stop(): Promise<void> }> {
  const names = streamNames(opts.config.redisPrefix);
  const stops: Array<() => Promise<void>> = [];
  const gate = createDurabilityGate(opts.receiver, {
    allowVolatile: opts.config.ingestAllowVolatileRedis,
    log: opts.log.child({ component: 'ingest' }),
    onChange: (d) => opts.metrics.redisDurability.set(LEVEL_VALUE[d.level]),
  });
  await gate.refresh();
  const deadLetters = createDeadLetterStore(opts.receiver, names);
  opts.metrics.watchDeadLetters(() => deadLetters.count());
  const sink = createRedisSink(opts.receiver, {
    names,
    limits: { entries: opts.config.ingestMaxBacklog, bytes: opts.config.ingestMaxBacklogBytes },
    gate,
    log: opts.log,
    deadLetters,
  });
  if (opts.workers) {
    const base = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    for (let i = 0; i < opts.config.ingestWorkers; i++) {
      const redis = new Redis(opts.url, { lazyConnect: true });
      redis.on('error', (err: Error) => opts.log.warn({ err: err.message }, 'redis connection error'));
      await redis.connect();
      const worker = createStreamWorker({
        redis,
        db: opts.db,
        names,
        consumer: `${base}-${i}`,
        clock: opts.clock,
        log: opts.log.child({ component: 'ingest-worker', worker: i }),
        maxAttempts: opts.config.ingestMaxAttempts,
        claimIdleMs: opts.config.ingestClaimIdleMs,
        metrics: {
          deadLettered: () => opts.metrics.deadLettered.inc(),
          groupFellBack: () => opts.metrics.groupFallbacks.inc(),
          stored: (n) => opts.metrics.stored.inc(n),
        },
      });
      stops.push(async () => {
        await worker.stop();
        redis.disconnect();
      });
    }
  }
  return {
    sink,
    stop: async () => {
      await sink.close();
      for (const stop of stops) await stop();
    },
  };
}
