import type { LossReport, Snapshot } from '@vigilo/shared';
import type pg from 'pg';
import { withWorkspace } from '../../db/tx.ts';
import type { DeadLetterStore } from './dead-letters.ts';
import { storeBatch, type StoredBatch } from './store-batch.ts';

/** A validated batch from an authenticated agent, ready to store. */
export type IngestBatch = {
  agentId: string;
  workspaceId: string;
  batchId: string;
  snapshots: Snapshot[];
  losses: LossReport[];
  receivedAt: string;
};

/**
 * The batch as the agent sent it, when the receiver proved that its bytes hold exactly what was
 * validated (see raw-body.ts): a scaled receiver queues these bytes instead of re-serialising.
 */
export type RawBatchBody = { encoding: 'gzip' | 'identity'; bytes: Buffer };

export type IngestOutcome =
  | { kind: 'stored'; result: StoredBatch }
  /** Durably queued (scaled mode): the ids count as accepted; a worker stores them. */
  | { kind: 'queued' }
  | { kind: 'backpressure'; retryAfterSeconds: number };

/**
 * Where the receiver hands batches: written straight to Postgres (single machine), or appended to
 * a Redis stream for workers (scaled). Either way "acknowledged" means durable.
 */
export interface IngestSink {
  /**
   * `raw` gives the agent's own bytes when they hold exactly the validated batch; a sink that
   * queues calls it (the check costs a walk over the batch), one that stores at once does not.
   */
  submit(batch: IngestBatch, raw?: () => RawBatchBody | undefined): Promise<IngestOutcome>;
  /** Batches that failed too often to store (scaled mode); absent where failures reach the agent. */
  deadLetters?: DeadLetterStore | undefined;
  close(): Promise<void>;
}

/** Months whose snapshot partition this process already made sure of. */
const ensuredMonths = new Set<string>();

/** Creates missing month partitions for the batch (as the owner: the runtime role cannot DDL). */
export async function ensurePartitions(owner: pg.Pool, snapshots: Snapshot[]): Promise<void> {
  const months = new Set(snapshots.map((s) => s.scanned_at.slice(0, 7)));
  for (const month of months) {
    if (ensuredMonths.has(month)) continue;
    await owner.query('SELECT vigilo_ensure_snapshot_partition($1)', [`${month}-01T00:00:00Z`]);
    ensuredMonths.add(month);
  }
}

/** Writes a batch: partitions, then one workspace transaction with everything it implies. */
export async function writeBatch(
  db: { owner: pg.Pool; app: pg.Pool },
  batch: IngestBatch,
  now: Date,
): Promise<StoredBatch> {
  const [stored] = await writeGroup(db, [batch], now);
  if (!stored) throw new Error('writeGroup returned no result for its batch');
  return stored;
}

/**
 * Writes several batches of one agent in ONE transaction: their snapshots merged into the
 * statements one batch would run (one insert, one status upsert, one rule evaluation), so the
 * per-transaction costs (round trips, plans, the commit's fsync, the workspace head) are paid once
 * for the group. All commit or none does; the caller falls back to one batch per transaction when
 * a group fails, so one bad batch cannot hold the others back.
 *
 * The result is per batch, in order: a snapshot id in several batches of the group is accepted
 * in each (it was stored by this transaction), and a duplicate in each when it was stored before.
 */
export async function writeGroup(
  db: { owner: pg.Pool; app: pg.Pool },
  batches: readonly IngestBatch[],
  now: Date,
): Promise<StoredBatch[]> {
  const first = batches[0];
  if (!first) return [];
  if (batches.some((b) => b.workspaceId !== first.workspaceId || b.agentId !== first.agentId))
    throw new Error('a write group must hold batches of one workspace and agent');
  const snapshots = new Map<string, Snapshot>();
  const losses = new Map<string, LossReport>();
  for (const b of batches) {
    for (const s of b.snapshots) if (!snapshots.has(s.id)) snapshots.set(s.id, s);
    for (const l of b.losses) if (!losses.has(l.id)) losses.set(l.id, l);
  }
  const all = [...snapshots.values()];
  await ensurePartitions(db.owner, all);
  const stored = await withWorkspace(
    db.app,
    first.workspaceId,
    // The audit rows of a group (alerts opened by its rules) carry the first batch's id.
    { actor: { type: 'agent', id: first.agentId }, requestId: first.batchId },
    (tx) => storeBatch(tx, first.agentId, all, [...losses.values()], now),
  );
  const accepted = new Set(stored.accepted);
  return batches.map((b) => ({
    accepted: b.snapshots.filter((s) => accepted.has(s.id)).map((s) => s.id),
    duplicate: b.snapshots.filter((s) => !accepted.has(s.id)).map((s) => s.id),
    lossesRecorded: b.losses.map((l) => l.id),
  }));
}
