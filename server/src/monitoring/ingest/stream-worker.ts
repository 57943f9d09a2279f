import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type pg from 'pg';
import { moveToDeadLetters } from './dead-letters.ts';
import { GROUP_MAX_SNAPSHOTS } from './direct-sink.ts';
import { classifyFailure } from './ingest-failure.ts';
import { type IngestBatch, writeBatch, writeGroup } from './ingest.ts';
import { decodeEntry, readEntry, type StreamEntry } from './stream-entry.ts';
import type { StreamNames } from './stream-names.ts';

export type StreamWorker = { runOnce(): Promise<number>; stop(): Promise<void> };

/** What a worker tells /metrics. */
export type StreamWorkerMetrics = {
  deadLettered(): void;
  groupFellBack(): void;
  stored(snapshots: number): void;
};

type Work = { entry: StreamEntry; batch: IngestBatch };

// Acknowledges and deletes entries, freeing their bytes from the backlog only for those still
// pending: two workers acknowledging one entry (a slow transaction and the worker that took it
// over) must not subtract its bytes twice.
const ACK_SCRIPT = `
local freed = 0
for i = 2, #ARGV, 2 do
  if redis.call('XACK', KEYS[1], ARGV[1], ARGV[i]) == 1 then
    redis.call('XDEL', KEYS[1], ARGV[i])
    freed = freed + tonumber(ARGV[i + 1])
  end
  redis.call('HDEL', KEYS[3], ARGV[i])
end
if freed > 0 then redis.call('DECRBY', KEYS[2], freed) end
return freed`;
type RawEntry = [Buffer, Buffer[]];

/**
 * Scaled mode, worker side. Reads entries in a consumer group, groups them by workspace and
 * agent up to GROUP_MAX_SNAPSHOTS, writes each group in ONE transaction (ingest.ts writeGroup),
 * and XACKs + deletes entries only after their transaction committed. A group that fails is
 * written again one batch per transaction, so one bad batch holds no other back.
 *
 * A batch whose own content fails (not a transient failure: ingest-failure.ts) `maxAttempts`
 * times becomes a dead letter (dead-letters.ts); until then it stays pending and is retried when
 * it has been idle `claimIdleMs`. Entries a dead worker left pending are taken over the same way.
 *
 * Stored once, even when a transaction outlives the claim timeout and a second worker writes the
 * same entry meanwhile: snapshot ids are the key (the second insert waits for the first
 * transaction and then inserts nothing), and everything else a batch writes — status,
 * certificates, rule evaluation, alerts — is derived from the snapshots that insert returned, so
 * the second transaction derives nothing. server/test/monitoring/ingest-worker.test.ts proves it.
 */
export function createStreamWorker(deps: {
  redis: Redis;
  db: { owner: pg.Pool; app: pg.Pool };
  names: StreamNames;
  consumer: string;
  clock: () => Date;
  log: Logger;
  /** How long an entry stays pending before another worker takes it (VIGILO_INGEST_CLAIM_IDLE_MS). */
  claimIdleMs?: number;
  blockMs?: number;
  /** Entries read per pass (each up to 500 snapshots; ~100 from real agents). */
  readCount?: number;
  maxSnapshots?: number;
  maxAttempts?: number;
  metrics?: StreamWorkerMetrics;
  autoStart?: boolean;
}): StreamWorker {
  let stopped = false;
  let loop: Promise<void> | undefined;
  let groupReady = false;
  const { stream, group, errors } = deps.names;
  const claimIdleMs = deps.claimIdleMs ?? 30_000;
  const readCount = deps.readCount ?? 40;
  const maxSnapshots = deps.maxSnapshots ?? GROUP_MAX_SNAPSHOTS;
  const maxAttempts = deps.maxAttempts ?? 5;

  const ensureGroup = async () => {
    if (groupReady) return;
    try {
      await deps.redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
    }
    groupReady = true;
  };

  // Only now, with the rows durable in Postgres, may the entries go.
  const ack = async (entries: StreamEntry[]) => {
    if (entries.length === 0) return;
    await deps.redis.eval(
      ACK_SCRIPT,
      3,
      stream,
      deps.names.bytes,
      errors,
      group,
      ...entries.flatMap((e) => [e.id, e.bytes]),
    );
  };

  const deadLetter = async (entry: StreamEntry, error: string, attempts: number) => {
    if (!(await moveToDeadLetters(deps.redis, deps.names, entry, { error, attempts, at: deps.clock() })))
      return;
    deps.metrics?.deadLettered();
    deps.log.error(
      { entry: entry.id, batch: entry.meta.batchId, workspace: entry.meta.workspaceId, attempts, error },
      'ingest batch moved to the dead letters',
    );
  };

  /** One failed attempt of one entry; true when the failure was transient. */
  const failed = async (entry: StreamEntry, err: unknown): Promise<boolean> => {
    const failure = classifyFailure(err);
    deps.log.warn({ err, entry: entry.id, batch: entry.meta.batchId }, 'ingest batch failed');
    if (failure.transient) return true;
    const before = JSON.parse((await deps.redis.hget(errors, entry.id)) ?? '{"attempts":0}') as {
      attempts: number;
    };
    const attempts = before.attempts + 1;
    if (attempts >= maxAttempts) await deadLetter(entry, failure.reason, attempts);
    else await deps.redis.hset(errors, entry.id, JSON.stringify({ attempts, reason: failure.reason }));
    return false;
  };

  /** Takes over entries idle for claimIdleMs (a dead worker's, or failed ones due again). */
  const reclaim = async (): Promise<StreamEntry[]> => {
    const idle = (await deps.redis.xpending(
      stream,
      group,
      'IDLE',
      claimIdleMs,
      '-',
      '+',
      readCount,
    )) as Array<[string, string, number, number]>;
    if (idle.length === 0) return [];
    // XCLAIM with the same min-idle: of several workers seeing the same entry, one gets it.
    const claimed = (await deps.redis.callBuffer('XCLAIM', [
      stream,
      group,
      deps.consumer,
      claimIdleMs,
      ...idle.map(([id]) => id),
    ])) as Array<RawEntry | null>;
    const entries: StreamEntry[] = [];
    const counts = await deps.redis.hmget(errors, ...idle.map(([id]) => id));
    const attemptsOf = new Map(
      idle.map(([id], i) => [
        id,
        (JSON.parse(counts[i] ?? '{"attempts":0}') as { attempts: number }).attempts,
      ]),
    );
    for (const raw of claimed) {
      if (!raw) continue;
      const entry = await readable(raw);
      if (!entry) continue;
      const attempts = attemptsOf.get(entry.id) ?? 0;
      // Out of attempts already (the limit was lowered, or a worker died before moving it).
      if (attempts >= maxAttempts) await deadLetter(entry, 'failed too often', attempts);
      else entries.push(entry);
    }
    return entries;
  };

  /** An entry, or undefined for one no version wrote (logged and acknowledged: nothing to keep). */
  const readable = async ([id, fields]: RawEntry): Promise<StreamEntry | undefined> => {
    const entry = readEntry(id.toString(), fields);
    if (entry) return entry;
    deps.log.error({ entry: id.toString() }, 'unreadable ingest stream entry dropped');
    await deps.redis.multi().xack(stream, group, id).xdel(stream, id).exec();
    return undefined;
  };

  const readNew = async (block: number): Promise<StreamEntry[]> => {
    const args = ['GROUP', group, deps.consumer, 'COUNT', readCount] as const;
    const read = (await (block > 0
      ? deps.redis.xreadgroupBuffer(...args, 'BLOCK', block, 'STREAMS', stream, '>')
      : deps.redis.xreadgroupBuffer(...args, 'STREAMS', stream, '>'))) as Array<[Buffer, RawEntry[]]> | null;
    const entries: StreamEntry[] = [];
    for (const [, raws] of read ?? [])
      for (const raw of raws) {
        const entry = await readable(raw);
        if (entry) entries.push(entry);
      }
    return entries;
  };

  /** Groups by workspace and agent, in arrival order, each up to maxSnapshots. */
  const groupsOf = (work: Work[]): Work[][] => {
    const byKey = new Map<string, Work[][]>();
    for (const w of work) {
      const key = `${w.entry.meta.workspaceId}/${w.entry.meta.agentId}`;
      const chunks = byKey.get(key) ?? [];
      byKey.set(key, chunks);
      const last = chunks.at(-1);
      const size = last?.reduce((n, x) => n + x.batch.snapshots.length, 0) ?? 0;
      if (last && size + w.batch.snapshots.length <= maxSnapshots) last.push(w);
      else chunks.push([w]);
    }
    return [...byKey.values()].flat();
  };

  /** Stores the entries; returns how many were stored and whether any failure was transient. */
  const store = async (entries: StreamEntry[]): Promise<{ done: number; transient: boolean }> => {
    let done = 0;
    let transient = false;
    const work: Work[] = [];
    for (const entry of entries) {
      try {
        work.push({ entry, batch: decodeEntry(entry) });
      } catch (err) {
        // Bytes that do not decode never will: no point retrying them.
        deps.log.warn({ err, entry: entry.id }, 'ingest entry does not decode');
        await deadLetter(entry, 'the queued batch could not be read', 1);
      }
    }
    const one = async (w: Work) => {
      try {
        await writeBatch(deps.db, w.batch, deps.clock());
        await ack([w.entry]);
        deps.metrics?.stored(w.batch.snapshots.length);
        done += 1;
      } catch (err) {
        if (await failed(w.entry, err)) transient = true;
      }
    };
    for (const chunk of groupsOf(work)) {
      if (chunk.length === 1) {
        await one(chunk[0] as Work);
        continue;
      }
      try {
        await writeGroup(
          deps.db,
          chunk.map((w) => w.batch),
          deps.clock(),
        );
        await ack(chunk.map((w) => w.entry));
        deps.metrics?.stored(chunk.reduce((n, w) => n + w.batch.snapshots.length, 0));
        done += chunk.length;
      } catch (err) {
        deps.log.warn({ err, entries: chunk.length }, 'ingest group failed; storing its batches one by one');
        deps.metrics?.groupFellBack();
        for (const w of chunk) await one(w);
      }
    }
    return { done, transient };
  };

  const runOnce = async (block = 0): Promise<{ done: number; transient: boolean }> => {
    await ensureGroup();
    const claimed = await reclaim();
    // Block for new entries only when there was nothing to take over.
    const fresh = await readNew(claimed.length > 0 ? 0 : block);
    return store([...claimed, ...fresh]);
  };

  if (deps.autoStart !== false) {
    loop = (async () => {
      while (!stopped) {
        try {
          // The database away: pause instead of spinning through the queue.
          if ((await runOnce(deps.blockMs ?? 1000)).transient) await new Promise((r) => setTimeout(r, 1000));
        } catch (err) {
          if (String((err as Error).message).includes('NOGROUP')) groupReady = false;
          deps.log.error({ err }, 'ingest worker pass failed; retrying');
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    })();
  }
  return {
    runOnce: async () => (await runOnce(0)).done,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}
