import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * The ingest pipeline's metrics (scaled mode's stream worker and receiver; single mode counts
 * stored snapshots too). Dead letters are read from Redis at scrape time, so any process with
 * Redis reports the same number, whichever worker moved them.
 */
export function createIngestMetrics(registry: Registry) {
  let countDeadLetters: (() => Promise<number>) | undefined;
  const stored = new Counter({
    name: 'vigilo_ingest_snapshots_stored_total',
    help: 'Snapshots the ingest stream workers of this process committed to Postgres.',
    registers: [registry],
  });
  const deadLettered = new Counter({
    name: 'vigilo_ingest_dead_lettered_total',
    help: 'Batches this process moved to the dead letters after failing too often.',
    registers: [registry],
  });
  const groupFallbacks = new Counter({
    name: 'vigilo_ingest_group_fallbacks_total',
    help: 'Group transactions that failed and were retried one batch per transaction.',
    registers: [registry],
  });
  const redisDurability = new Gauge({
    name: 'vigilo_ingest_redis_durability',
    help: 'What Redis promises for acknowledged batches: 2 durable, 1 survives a Redis restart only, 0 volatile (acknowledgement refused unless allowed).',
    registers: [registry],
  });
  new Gauge({
    name: 'vigilo_ingest_dead_letters',
    help: 'Batches waiting in the dead letters of every workspace (ingest.deadLetters lists them).',
    registers: [registry],
    async collect() {
      if (countDeadLetters) this.set(await countDeadLetters().catch(() => Number.NaN));
    },
  });
  return {
    stored,
    deadLettered,
    groupFallbacks,
    redisDurability,
    /** Where the dead-letter gauge reads from (scaled mode). */
    watchDeadLetters(count: () => Promise<number>) {
      countDeadLetters = count;
    },
  };
}
export type IngestMetrics = ReturnType<typeof createIngestMetrics>;
