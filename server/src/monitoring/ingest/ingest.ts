import type { LossReport, Snapshot } from '@vigilo/shared';
import type pg from 'pg';
import { withWorkspace } from '../../db/tx.ts';
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
  submit(batch: IngestBatch): Promise<IngestOutcome>;
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
  await ensurePartitions(db.owner, batch.snapshots);
  return withWorkspace(
    db.app,
    batch.workspaceId,
    { actor: { type: 'agent', id: batch.agentId }, requestId: batch.batchId },
    (tx) => storeBatch(tx, batch.agentId, batch.snapshots, batch.losses, now),
  );
}

/** Single-machine mode: store before acknowledging. */
export function createDirectSink(db: { owner: pg.Pool; app: pg.Pool }, clock: () => Date): IngestSink {
  return {
    submit: async (batch) => ({ kind: 'stored', result: await writeBatch(db, batch, clock()) }),
    close: () => Promise.resolve(),
  };
}
