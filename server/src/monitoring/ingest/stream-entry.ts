import { gunzipSync } from 'node:zlib';
import type { LossReport, Snapshot } from '@vigilo/shared';
import { PUSH_LIMITS } from '@vigilo/shared/agent-protocol';
import type { IngestBatch, RawBatchBody } from './ingest.ts';

/**
 * One ingest stream entry: a validated batch as the receiver queued it. Fields:
 * - `meta`: JSON {@link EntryMeta} (small: read without touching the body);
 * - `enc`: how `body` is written — `gzip` / `identity`: the agent's own request body, kept when
 *   the receiver proved it holds exactly what it validated (raw-body.ts); `json`: the validated
 *   batch re-serialised;
 * - `body`: the bytes.
 * Entries written before this format (one `batch` field holding the whole IngestBatch as JSON)
 * are still read, so a worker can drain a stream a previous version filled; as dead letters they
 * keep that body with `enc` `legacy`.
 */
export type EntryMeta = {
  workspaceId: string;
  agentId: string;
  batchId: string;
  receivedAt: string;
  /** Snapshots in the batch: workers size their transactions by it before reading bodies. */
  snapshots: number;
};

export type StreamEntry = {
  id: string;
  meta: EntryMeta;
  encoding: 'gzip' | 'identity' | 'json' | 'legacy';
  body: Buffer;
  /** Bytes this entry adds to the backlog (what the receiver counted when it appended it). */
  bytes: number;
};

/** The fields to XADD for a batch, and the bytes they weigh. */
export function entryFields(
  batch: IngestBatch,
  raw: RawBatchBody | undefined,
): {
  fields: Array<string | Buffer>;
  bytes: number;
} {
  const meta: EntryMeta = {
    workspaceId: batch.workspaceId,
    agentId: batch.agentId,
    batchId: batch.batchId,
    receivedAt: batch.receivedAt,
    snapshots: batch.snapshots.length,
  };
  const body = raw
    ? raw.bytes
    : Buffer.from(JSON.stringify({ snapshots: batch.snapshots, losses: batch.losses }), 'utf8');
  const metaJson = JSON.stringify(meta);
  return {
    fields: ['meta', metaJson, 'enc', raw ? raw.encoding : 'json', 'body', body],
    bytes: entryBytes(metaJson.length, body.length),
  };
}

/** What an entry weighs in the backlog: its body and meta, plus a little for the entry itself. */
export function entryBytes(metaLength: number, bodyLength: number): number {
  return metaLength + bodyLength + 64;
}

/** Reads an entry's fields (as Buffers); undefined when it is not an entry any version wrote. */
export function readEntry(id: string, fields: Buffer[]): StreamEntry | undefined {
  const get = (name: string) => {
    for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i]?.toString() === name) return fields[i + 1];
    return undefined;
  };
  try {
    const metaRaw = get('meta');
    const body = get('body');
    const enc = get('enc')?.toString();
    if (metaRaw && body && (enc === 'gzip' || enc === 'identity' || enc === 'json' || enc === 'legacy')) {
      const meta = JSON.parse(metaRaw.toString('utf8')) as EntryMeta;
      return { id, meta, encoding: enc, body, bytes: entryBytes(metaRaw.length, body.length) };
    }
    const legacy = get('batch');
    if (legacy) {
      const b = JSON.parse(legacy.toString('utf8')) as IngestBatch;
      const meta = {
        workspaceId: b.workspaceId,
        agentId: b.agentId,
        batchId: b.batchId,
        receivedAt: b.receivedAt,
        snapshots: b.snapshots.length,
      };
      // Legacy entries were never counted in the byte backlog.
      return { id, meta, encoding: 'legacy', body: legacy, bytes: 0 };
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * The batch an entry holds. No schema check here: the receiver validated the batch before it
 * queued it, and queued the agent's bytes only when they hold exactly what it validated.
 */
export function decodeEntry(entry: StreamEntry): IngestBatch {
  if (entry.encoding === 'legacy') return JSON.parse(entry.body.toString('utf8')) as IngestBatch;
  // Bounded like the receiver's inflation (http/agent-body.ts), which these bytes already passed.
  const text = (
    entry.encoding === 'gzip'
      ? gunzipSync(entry.body, { maxOutputLength: PUSH_LIMITS.maxBatchBytes * 2 })
      : entry.body
  ).toString('utf8');
  const parsed = JSON.parse(text) as { snapshots: Snapshot[]; losses?: LossReport[] };
  return {
    workspaceId: entry.meta.workspaceId,
    agentId: entry.meta.agentId,
    batchId: entry.meta.batchId,
    receivedAt: entry.meta.receivedAt,
    snapshots: parsed.snapshots,
    losses: parsed.losses ?? [],
  };
}
