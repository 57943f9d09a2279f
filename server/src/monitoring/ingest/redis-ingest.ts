import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type pg from 'pg';
import type { IngestBatch, IngestSink } from './ingest.ts';
import { writeBatch } from './ingest.ts';

export type StreamNames = { stream: string; group: string };

export function streamNames(prefix = 'vigilo:'): StreamNames {
  return { stream: `${prefix}ingest`, group: 'writers' };
}

/**
 * Scaled mode, receiver side: a validated batch is appended to a Redis stream as one entry and
 * acknowledged once Redis has it. Above `maxBacklog` entries, or while Redis is unreachable, it
 * answers backpressure (503 + Retry-After) and the agent keeps the batch: never a silent drop.
 * Commands fail fast instead of queueing while Redis is down (no offline queue).
 */
export function createRedisSink(
  redis: Redis,
  opts: { names: StreamNames; maxBacklog: number; log: Logger },
): IngestSink {
  return {
    submit: async (batch) => {
      try {
        const backlog = await redis.xlen(opts.names.stream);
        if (backlog >= opts.maxBacklog) return { kind: 'backpressure', retryAfterSeconds: 5 };
        await redis.xadd(opts.names.stream, '*', 'batch', JSON.stringify(batch));
        return { kind: 'queued' };
      } catch (err) {
        opts.log.warn({ err: (err as Error).message }, 'ingest stream unavailable; answering backpressure');
        return { kind: 'backpressure', retryAfterSeconds: 10 };
      }
    },
    close: () => Promise.resolve(),
  };
}

export type StreamWorker = { runOnce(): Promise<number>; stop(): Promise<void> };

/**
 * Scaled mode, worker side: reads batches in a consumer group, writes each in one Postgres
 * transaction, and XACKs (and deletes) an entry only after its transaction committed. Entries a
 * dead worker left pending are taken over with XAUTOCLAIM after `claimIdleMs`. A batch written
 * twice (the worker died between commit and XACK) is stored once: snapshot ids are the key.
 */
export function createStreamWorker(deps: {
  redis: Redis;
  db: { owner: pg.Pool; app: pg.Pool };
  names: StreamNames;
  consumer: string;
  clock: () => Date;
  log: Logger;
  claimIdleMs?: number;
  blockMs?: number;
  autoStart?: boolean;
}): StreamWorker {
  let stopped = false;
  let loop: Promise<void> | undefined;
  const { stream, group } = deps.names;

  const ensureGroup = async () => {
    try {
      await deps.redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
    }
  };

  const handle = async (entries: Array<[string, string[]]>): Promise<number> => {
    let done = 0;
    for (const [id, fields] of entries) {
      const raw = fields[fields.indexOf('batch') + 1];
      if (raw === undefined) {
        await deps.redis.xack(stream, group, id);
        continue;
      }
      const batch = JSON.parse(raw) as IngestBatch;
      await writeBatch(deps.db, batch, deps.clock());
      // Only now, with the rows durable in Postgres, may the entry go.
      await deps.redis.multi().xack(stream, group, id).xdel(stream, id).exec();
      done += 1;
    }
    return done;
  };

  const runOnce = async (block = 0): Promise<number> => {
    await ensureGroup();
    const claimed = (await deps.redis.xautoclaim(
      stream,
      group,
      deps.consumer,
      deps.claimIdleMs ?? 30_000,
      '0',
      'COUNT',
      20,
    )) as [string, Array<[string, string[]]>];
    let done = await handle(claimed[1] ?? []);
    const read = (await (block > 0
      ? deps.redis.xreadgroup(
          'GROUP',
          group,
          deps.consumer,
          'COUNT',
          20,
          'BLOCK',
          block,
          'STREAMS',
          stream,
          '>',
        )
      : deps.redis.xreadgroup('GROUP', group, deps.consumer, 'COUNT', 20, 'STREAMS', stream, '>'))) as Array<
      [string, Array<[string, string[]]>]
    > | null;
    for (const [, entries] of read ?? []) done += await handle(entries);
    return done;
  };

  if (deps.autoStart !== false) {
    loop = (async () => {
      while (!stopped) {
        try {
          await runOnce(deps.blockMs ?? 1000);
        } catch (err) {
          deps.log.error({ err }, 'ingest worker pass failed; retrying');
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    })();
  }
  return {
    runOnce: () => runOnce(0),
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}
