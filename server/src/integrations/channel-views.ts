import type { ChannelType } from '@vigilo/shared/channels';
import type { WorkspaceTx } from '../db/tx.ts';
import { secretFieldsOf } from '../events/channel-secrets.ts';

/** How channels and their delivery log read back: never a secret, only which of them are set. */

export type ChannelRow = {
  id: string;
  name: string;
  type: ChannelType;
  config: Record<string, unknown>;
  event_types: string[];
  enabled: boolean;
  consecutive_failures: number;
  disabled_reason: string | null;
  created_at: Date;
  updated_at: Date;
};

/** The columns of a ChannelRow, plus whether secrets are sealed (`sealed`). */
export const CHANNEL_COLUMNS =
  'id, name, type, config, event_types, enabled, consecutive_failures, disabled_reason, created_at, updated_at, secret_sealed IS NOT NULL AS sealed';

/** A channel as the API shows it. */
export function presentChannel(row: ChannelRow, sealedSet: boolean) {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    config: row.config,
    secretFields: secretFieldsOf(row.type),
    secretsSet: sealedSet,
    eventTypes: row.event_types,
    enabled: row.enabled,
    consecutiveFailures: row.consecutive_failures,
    disabledReason: row.disabled_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The workspace's channels, by name. */
export async function listChannels(tx: WorkspaceTx) {
  const { rows } = await tx.query<ChannelRow & { sealed: boolean }>(
    `SELECT ${CHANNEL_COLUMNS} FROM channels ORDER BY name`,
  );
  return rows.map((r) => presentChannel(r, r.sealed));
}

/** The delivery log of one channel, newest first, with every attempt. */
export async function channelDeliveries(tx: WorkspaceTx, channelId: string, limit: number) {
  const { rows } = await tx.query<{
    id: string;
    event_seq: number;
    event_type: string;
    status: string;
    attempts: number;
    next_attempt_at: Date;
    completed_at: Date | null;
    log: unknown;
  }>(
    `SELECT d.id, d.event_seq, e.type AS event_type, d.status, d.attempts, d.next_attempt_at, d.completed_at,
       coalesce((SELECT jsonb_agg(jsonb_build_object('attempt', a.attempt, 'at', a.attempted_at, 'ok', a.ok,
           'status', a.status_code, 'latencyMs', a.latency_ms, 'reason', a.reason, 'response', a.response_excerpt) ORDER BY a.attempt)
         FROM delivery_attempts a WHERE a.delivery_id = d.id), '[]') AS log
     FROM deliveries d JOIN events e ON e.workspace_id = d.workspace_id AND e.seq = d.event_seq
     WHERE d.channel_id = $1 ORDER BY d.event_seq DESC LIMIT $2`,
    [channelId, limit],
  );
  return rows.map((r) => ({
    id: r.id,
    eventSeq: r.event_seq,
    eventType: r.event_type,
    /** Sent by channels.test, not by something that happened. */
    test: r.event_type === 'channel.tested',
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.status === 'pending' ? r.next_attempt_at : null,
    completedAt: r.completed_at,
    log: r.log,
  }));
}
