import type pg from 'pg';
import type { StoredBatch } from './store-batch.ts';
import { type IngestBatch, type IngestSink, writeBatch, writeGroup } from './ingest.ts';

/** How many snapshots one group transaction may hold (the worker's bound too). */
export const GROUP_MAX_SNAPSHOTS = 2_000;

type Waiting = { batch: IngestBatch; resolve(r: StoredBatch): void; reject(e: unknown): void };

/**
 * Single-machine mode: a batch is stored before it is acknowledged, with a small group-commit
 * step in front of the writer. Batches of one agent that arrive while `concurrency` of its
 * transactions are already running wait, and the next transaction takes all that waited (up to
 * GROUP_MAX_SNAPSHOTS): no timer, so a lone batch is written at once, and under load the commit
 * and per-transaction costs are shared. A group that fails is retried one batch per transaction,
 * so each request gets its own answer and one bad batch fails alone.
 */
export function createDirectSink(
  db: { owner: pg.Pool; app: pg.Pool },
  clock: () => Date,
  opts: { concurrency?: number; maxSnapshots?: number } = {},
): IngestSink {
  const concurrency = opts.concurrency ?? 2;
  const maxSnapshots = opts.maxSnapshots ?? GROUP_MAX_SNAPSHOTS;
  const lanes = new Map<string, { waiting: Waiting[]; running: number }>();
  const inFlight = new Set<Promise<void>>();

  const take = (waiting: Waiting[]): Waiting[] => {
    const group: Waiting[] = [];
    let size = 0;
    while (waiting[0] && (group.length === 0 || size + waiting[0].batch.snapshots.length <= maxSnapshots)) {
      const next = waiting.shift() as Waiting;
      size += next.batch.snapshots.length;
      group.push(next);
    }
    return group;
  };

  const writeOne = async (w: Waiting) => {
    try {
      w.resolve(await writeBatch(db, w.batch, clock()));
    } catch (err) {
      w.reject(err);
    }
  };

  const run = async (key: string) => {
    const lane = lanes.get(key);
    if (!lane) return;
    lane.running += 1;
    try {
      for (let group = take(lane.waiting); group.length > 0; group = take(lane.waiting)) {
        if (group.length === 1) {
          await writeOne(group[0] as Waiting);
          continue;
        }
        try {
          const results = await writeGroup(
            db,
            group.map((w) => w.batch),
            clock(),
          );
          group.forEach((w, i) => w.resolve(results[i] as StoredBatch));
        } catch {
          // One batch per transaction: the good ones are stored, the bad one answers alone.
          for (const w of group) await writeOne(w);
        }
      }
    } finally {
      lane.running -= 1;
      if (lane.running === 0 && lane.waiting.length === 0) lanes.delete(key);
    }
  };

  return {
    submit: (batch) =>
      new Promise<StoredBatch>((resolve, reject) => {
        const key = `${batch.workspaceId}/${batch.agentId}`;
        let lane = lanes.get(key);
        if (!lane) lanes.set(key, (lane = { waiting: [], running: 0 }));
        lane.waiting.push({ batch, resolve, reject });
        if (lane.running < concurrency) {
          const p = run(key).finally(() => inFlight.delete(p));
          inFlight.add(p);
        }
      }).then((result) => ({ kind: 'stored', result })),
    close: async () => {
      await Promise.all([...inFlight]);
    },
  };
}
