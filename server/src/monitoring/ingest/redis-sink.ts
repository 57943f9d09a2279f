import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { DeadLetterStore } from './dead-letters.ts';
import type { IngestSink } from './ingest.ts';
import type { DurabilityGate } from './redis-durability.ts';
import { entryFields } from './stream-entry.ts';
import type { StreamNames } from './stream-names.ts';

/** Above either bound the receiver answers 503 + Retry-After: backpressure, never a drop. */
export type BacklogLimits = { entries: number; bytes: number };

type Backlog = { entries: number; bytes: number; at: number };

/**
 * Scaled mode, receiver side: a validated batch is appended to the ingest stream as one entry and
 * acknowledged once Redis has it durably (redis-durability.ts decides what that takes, and
 * refuses while Redis cannot persist). Over `limits` (entries or bytes), while Redis is
 * unreachable, or while it is not durable, it answers backpressure and the agent keeps the batch.
 *
 * The backlog is not asked of Redis per request: each append's reply carries the stream's length
 * and byte count, and a reading older than `backlogCacheMs` is refreshed. Requests in flight at
 * once may overshoot a limit by their number of entries, which bounds nothing that matters.
 * Commands fail fast instead of queueing while Redis is down (the caller's client has no offline
 * queue).
 */
export function createRedisSink(
  redis: Redis,
  opts: {
    names: StreamNames;
    limits: BacklogLimits;
    gate: DurabilityGate;
    log: Logger;
    deadLetters?: DeadLetterStore;
    backlogCacheMs?: number;
    waitAofTimeoutMs?: number;
  },
): IngestSink {
  const cacheMs = opts.backlogCacheMs ?? 250;
  let backlog: Backlog | undefined;
  let reading: Promise<Backlog> | undefined;
  let refusedLoggedAt = 0;

  const readBacklog = async (): Promise<Backlog> => {
    const res = await redis.multi().xlen(opts.names.stream).get(opts.names.bytes).exec();
    const entries = Number(res?.[0]?.[1] ?? 0);
    return { entries, bytes: Number(res?.[1]?.[1] ?? 0), at: Date.now() };
  };
  const currentBacklog = async (): Promise<Backlog> => {
    if (backlog && Date.now() - backlog.at < cacheMs) return backlog;
    reading ??= readBacklog().finally(() => (reading = undefined));
    return (backlog = await reading);
  };
  const over = (b: Backlog) =>
    // An empty stream weighs nothing, whatever a drifted byte counter says.
    b.entries >= opts.limits.entries || (b.entries > 0 && b.bytes >= opts.limits.bytes);

  return {
    deadLetters: opts.deadLetters,
    submit: async (batch, raw) => {
      if (!opts.gate.accepting()) {
        if (Date.now() - refusedLoggedAt > 60_000) {
          refusedLoggedAt = Date.now();
          opts.log.error(
            { why: opts.gate.current()?.why ?? 'Redis persistence not yet known' },
            'ingest: refusing to acknowledge batches into a Redis that cannot keep them (503 to agents)',
          );
        }
        return { kind: 'backpressure', retryAfterSeconds: 30 };
      }
      try {
        if (over(await currentBacklog())) return { kind: 'backpressure', retryAfterSeconds: 5 };
        const entry = entryFields(batch, raw?.());
        const res = await redis
          .multi()
          .xadd(opts.names.stream, '*', ...entry.fields)
          .incrby(opts.names.bytes, entry.bytes)
          .xlen(opts.names.stream)
          .exec();
        const failed = res?.find(([err]) => err);
        if (!res || failed) throw failed?.[0] ?? new Error('ingest append was discarded');
        backlog = { entries: Number(res[2]?.[1] ?? 0), bytes: Number(res[1]?.[1] ?? 0), at: Date.now() };
        if (opts.gate.current()?.waitAof) {
          // Redis 7.2+ with appendfsync everysec: answer only once the entry is fsynced locally.
          const [local] = (await redis.call('WAITAOF', 1, 0, opts.waitAofTimeoutMs ?? 2000)) as number[];
          // Not yet on disk: the agent retries, and the entry stored twice is stored once.
          if (!local) return { kind: 'backpressure', retryAfterSeconds: 5 };
        }
        return { kind: 'queued' };
      } catch (err) {
        opts.log.warn({ err: (err as Error).message }, 'ingest stream unavailable; answering backpressure');
        return { kind: 'backpressure', retryAfterSeconds: 10 };
      }
    },
    close: () => {
      opts.gate.stop();
      return Promise.resolve();
    },
  };
}
