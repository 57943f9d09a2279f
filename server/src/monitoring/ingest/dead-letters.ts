import type { Redis } from 'ioredis';
import { ActionRefused } from '../../domain-errors.ts';
import type { StreamEntry } from './stream-entry.ts';
import type { StreamNames } from './stream-names.ts';

/**
 * Poison batches: an entry that failed `maxAttempts` times leaves the ingest stream for its
 * workspace's dead-letter stream, with why it failed, instead of being reclaimed forever (each
 * pass re-failing it, and its bytes counting against backpressure). It keeps the agent's bytes:
 * the agent was told "accepted", so the batch is never dropped; an admin sees it and queues it
 * again once the cause is fixed.
 */
export type DeadLetter = {
  /** The dead-letter entry's id (what retry takes). */
  id: string;
  batchId: string;
  agentId: string;
  snapshots: number;
  receivedAt: string;
  failedAt: string;
  attempts: number;
  /** Why the last attempt failed, in words without internals (the worker's log has the rest). */
  error: string;
};

export type DeadLetterStore = {
  /** The workspace's dead letters, oldest first, `limit` after the entry id `after`. */
  list(workspaceId: string, opts: { limit: number; after?: string | undefined }): Promise<DeadLetter[]>;
  /** Queues a dead letter again as a new stream entry (a fresh set of attempts). */
  retry(workspaceId: string, id: string): Promise<{ id: string; queuedAs: string }>;
  /** Dead letters of every workspace (the /metrics gauge). */
  count(): Promise<number>;
};

/** A stream entry id, as Redis writes them. */
export const STREAM_ID = /^\d{1,20}-\d{1,20}$/;

const fieldMap = (fields: string[]) => {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i] as string, fields[i + 1] as string);
  return map;
};

// Moves one dead letter back in one step, so two admins retrying at once queue it once. The
// byte count is what stream-entry.ts's entryBytes() gives for the same fields.
const RETRY_SCRIPT = `
local e = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if #e == 0 then return false end
local f = e[1][2]
local v = {}
for i = 1, #f, 2 do v[f[i]] = f[i + 1] end
local id = redis.call('XADD', KEYS[2], '*', 'meta', v['meta'], 'enc', v['enc'], 'body', v['body'])
redis.call('INCRBY', KEYS[3], string.len(v['meta']) + string.len(v['body']) + 64)
redis.call('XDEL', KEYS[1], ARGV[1])
return id`;

/** Dead letters in Redis, per workspace: `${names.deadPrefix}${workspaceId}`. */
export function createDeadLetterStore(redis: Redis, names: StreamNames): DeadLetterStore {
  return {
    list: async (workspaceId, { limit, after }) => {
      // Exclusive start after the last id seen ("(" needs Redis 6.2).
      const start = after ? `(${after}` : '-';
      const rows = await redis.xrange(`${names.deadPrefix}${workspaceId}`, start, '+', 'COUNT', limit);
      return rows.map(([id, fields]) => {
        const f = fieldMap(fields);
        const meta = JSON.parse(f.get('meta') ?? '{}') as Partial<StreamEntry['meta']>;
        return {
          id,
          batchId: meta.batchId ?? '',
          agentId: meta.agentId ?? '',
          snapshots: meta.snapshots ?? 0,
          receivedAt: meta.receivedAt ?? '',
          failedAt: f.get('failed_at') ?? '',
          attempts: Number(f.get('attempts') ?? 0),
          error: f.get('error') ?? '',
        };
      });
    },
    retry: async (workspaceId, id) => {
      const queuedAs = (await redis.eval(
        RETRY_SCRIPT,
        3,
        `${names.deadPrefix}${workspaceId}`,
        names.stream,
        names.bytes,
        id,
      )) as string | null;
      if (!queuedAs) throw new ActionRefused('not_found', 'no dead letter with that id in this workspace');
      return { id, queuedAs };
    },
    count: async () => {
      const workspaces = await redis.smembers(names.deadIndex);
      if (workspaces.length === 0) return 0;
      const pipeline = redis.pipeline();
      for (const ws of workspaces) pipeline.xlen(`${names.deadPrefix}${ws}`);
      const res = (await pipeline.exec()) ?? [];
      return res.reduce((n, [, len]) => n + Number(len ?? 0), 0);
    },
  };
}

// Moves an entry still pending in the group to its workspace's dead letters, in one step: it is
// in exactly one of the two afterwards, and an entry another worker acknowledged meanwhile (it
// was stored after all) is left alone.
const DEAD_LETTER_SCRIPT = `
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('XADD', KEYS[2], '*', 'meta', ARGV[3], 'enc', ARGV[4], 'body', ARGV[5], 'error', ARGV[6],
  'attempts', ARGV[7], 'failed_at', ARGV[8], 'origin', ARGV[2])
redis.call('SADD', KEYS[3], ARGV[9])
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('DECRBY', KEYS[4], tonumber(ARGV[10]))
redis.call('HDEL', KEYS[5], ARGV[2])
return 1`;

/** Moves a pending stream entry to its workspace's dead letters; false if it was acknowledged. */
export async function moveToDeadLetters(
  redis: Redis,
  names: StreamNames,
  entry: StreamEntry,
  why: { error: string; attempts: number; at: Date },
): Promise<boolean> {
  const ws = entry.meta.workspaceId;
  const moved = await redis.eval(
    DEAD_LETTER_SCRIPT,
    5,
    names.stream,
    `${names.deadPrefix}${ws}`,
    names.deadIndex,
    names.bytes,
    names.errors,
    names.group,
    entry.id,
    JSON.stringify(entry.meta),
    entry.encoding,
    entry.body,
    why.error,
    String(why.attempts),
    why.at.toISOString(),
    ws,
    String(entry.bytes),
  );
  return moved === 1;
}

/** `ingest.deadLetters`: the workspace's dead letters (none where batches fail to the agent). */
export function listDeadLetters(
  store: DeadLetterStore | undefined,
  workspaceId: string,
  opts: { limit: number; after?: string | undefined },
): Promise<DeadLetter[]> {
  return store ? store.list(workspaceId, opts) : Promise.resolve([]);
}

/** `ingest.retryDeadLetter`: queues one again; refused when this workspace has no such letter. */
export function retryDeadLetter(
  store: DeadLetterStore | undefined,
  workspaceId: string,
  id: string,
): Promise<{ id: string; queuedAs: string }> {
  if (!store)
    return Promise.reject(new ActionRefused('not_found', 'no dead letter with that id in this workspace'));
  return store.retry(workspaceId, id);
}
