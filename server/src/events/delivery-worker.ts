import type { Logger } from 'pino';
import type pg from 'pg';
import { type ChannelType } from '@vigilo/shared/channels';
import { type WorkspaceTx, withWorkspace } from '../db/tx.ts';
import { type BackoffPolicy, delayAfterFailure, type RandomSource } from '@vigilo/shared/backoff';
import { ChannelConfigError, parseChannelConfig, sendToChannel } from '../integrations/channels/index.ts';
import type { ChannelMessage, DeliveryResult, JsonValue } from '../integrations/channels/types.ts';
import type { OutboundPolicy } from '../integrations/outbound/policy.ts';
import { DEFAULT_DELIVERY_LEASE_MS } from './delivery-timing.ts';
import { messageGrouping } from './message-grouping.ts';
import { isSecretError, type SecretBox } from '../integrations/secrets.ts';
import { openChannelConfig } from './channel-secrets.ts';

export type DeliveryWorkerOptions = {
  owner: pg.Pool;
  secrets: SecretBox;
  log: Logger;
  clock: () => Date;
  random?: RandomSource;
  backoff: BackoffPolicy;
  /** A channel failing this many deliveries in a row is disabled (with an event and audit row). */
  disableAfterFailures: number;
  timeoutMs: number;
  /** Which addresses deliveries may connect to (VIGILO_OUTBOUND_ALLOW). */
  outbound: OutboundPolicy;
  /**
   * While an attempt runs, the delivery is leased for this long, so no other worker takes it; a
   * delivery whose worker died is attempted again once it ends (VIGILO_DELIVERY_LEASE_MS).
   */
  leaseMs?: number;
  batch?: number;
};

type Claimed = {
  id: string;
  channel_id: string;
  event_seq: number;
  attempts: number;
  channel_type: ChannelType;
  config: Record<string, unknown>;
  secret_sealed: string | null;
  event_type: string;
  payload: JsonValue;
  occurred_at: Date;
  previous_delay_ms: number | null;
};

/**
 * Sends due deliveries: claims them with a lease (SKIP LOCKED, so several workers share the load),
 * makes one attempt each outside any transaction, then records the attempt and either marks the
 * delivery succeeded, schedules the next attempt by the backoff policy (honouring Retry-After),
 * or gives up. Each delivery keeps one id across attempts: receivers deduplicate on it.
 */
export function createDeliveryWorker(opts: DeliveryWorkerOptions) {
  const lease = opts.leaseMs ?? Math.max(DEFAULT_DELIVERY_LEASE_MS, opts.timeoutMs * 2);
  // A lease that could end while its attempt still runs would let a second worker send it too.
  if (lease < opts.timeoutMs * 2)
    throw new Error(`a delivery lease of ${lease} ms is shorter than twice the ${opts.timeoutMs} ms timeout`);
  /** The worker's own transactions: the owner pool, scoped to one workspace, as the system. */
  const inWorkspace = <T>(workspaceId: string, fn: (tx: WorkspaceTx) => Promise<T>): Promise<T> =>
    withWorkspace(
      opts.owner,
      workspaceId,
      { actor: { type: 'system', id: 'delivery-worker' }, requestId: undefined },
      fn,
    );

  /** One pass over every workspace; returns the number of attempts made. */
  async function runOnce(): Promise<number> {
    const { rows } = await opts.owner.query<{ id: string }>('SELECT id FROM workspaces ORDER BY id');
    let attempts = 0;
    for (const { id } of rows) {
      const claimed = await claim(id);
      for (const delivery of claimed) {
        await attempt(id, delivery);
        attempts += 1;
      }
    }
    return attempts;
  }

  async function claim(workspaceId: string): Promise<Claimed[]> {
    return inWorkspace(workspaceId, async (tx) => {
      const now = opts.clock();
      const { rows } = await tx.query<Claimed>(
        `WITH due AS (
           SELECT d.id FROM deliveries d
           -- Scoped explicitly as well as by row security: the owner may be a superuser.
           WHERE d.workspace_id = $4 AND d.status = 'pending' AND d.next_attempt_at <= $1
           ORDER BY d.event_seq FOR UPDATE SKIP LOCKED LIMIT $2
         )
         UPDATE deliveries d SET attempts = d.attempts + 1, next_attempt_at = $1::timestamptz + make_interval(secs => $3)
         FROM due, channels c, events e
         WHERE d.id = due.id AND c.id = d.channel_id AND e.workspace_id = d.workspace_id AND e.seq = d.event_seq
         RETURNING d.id, d.channel_id, d.event_seq, d.attempts, c.type AS channel_type, c.config, c.secret_sealed,
                   e.type AS event_type, e.payload, e.occurred_at, d.last_delay_ms AS previous_delay_ms`,
        [now, opts.batch ?? 20, lease / 1000, workspaceId],
      );
      return rows;
    });
  }

  async function attempt(workspaceId: string, d: Claimed): Promise<void> {
    const message: ChannelMessage = {
      id: `${workspaceId}:${d.event_seq}`,
      type: d.event_type,
      workspaceId,
      occurredAt: d.occurred_at,
      payload: d.payload,
      summary: summarize(d.event_type, d.payload),
      ...messageGrouping(d.event_type, d.payload),
    };
    let result: DeliveryResult;
    const startedAt = opts.clock();
    try {
      const config = parseChannelConfig(
        d.channel_type,
        openChannelConfig(opts.secrets, d.channel_id, d.config, d.secret_sealed),
      );
      result = await sendToChannel(d.channel_type, config, message, {
        deliveryId: d.id,
        attempt: d.attempts,
        timeoutMs: opts.timeoutMs,
        now: opts.clock,
        outbound: opts.outbound,
      });
    } catch (err) {
      // An unreadable secret or a stored config that no longer validates fails the same way every
      // time: recorded without retry, so a broken channel is disabled soon. Anything else is a
      // bug: recorded and retried, a deploy may fix it.
      const permanent = isSecretError(err) || err instanceof ChannelConfigError;
      result = {
        ok: false,
        reason: 'invalid_config',
        retryable: !permanent,
        latencyMs: 0,
        detail: (err as Error).message,
      };
      opts.log.error({ err, deliveryId: d.id }, 'delivery attempt threw');
    }
    await record(workspaceId, d, result, startedAt);
  }

  async function record(
    workspaceId: string,
    d: Claimed,
    result: DeliveryResult,
    attemptedAt: Date,
  ): Promise<void> {
    await inWorkspace(workspaceId, async (tx) => {
      await tx.query(
        `INSERT INTO delivery_attempts (delivery_id, attempt, workspace_id, attempted_at, ok, status_code, latency_ms, reason, response_excerpt)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          d.id,
          d.attempts,
          workspaceId,
          attemptedAt,
          result.ok,
          result.status ?? null,
          Math.round(result.latencyMs),
          result.ok ? null : `${result.reason}: ${result.detail}`.slice(0, 1000),
          // A summary ("HTTP 500 (312 bytes)"), never the receiver's text: see channels/http.ts.
          result.responseSummary ?? null,
        ],
      );
      if (result.ok) {
        await tx.query("UPDATE deliveries SET status = 'succeeded', completed_at = $2 WHERE id = $1", [
          d.id,
          opts.clock(),
        ]);
        await tx.query('UPDATE channels SET consecutive_failures = 0 WHERE id = $1', [d.channel_id]);
        return;
      }
      const delay = result.retryable
        ? delayAfterFailure(opts.backoff, d.attempts, {
            ...(d.previous_delay_ms ? { previousDelayMs: d.previous_delay_ms } : {}),
            ...(result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {}),
            ...(opts.random ? { random: opts.random } : {}),
          })
        : undefined;
      if (delay === undefined) {
        await tx.query("UPDATE deliveries SET status = 'failed', completed_at = $2 WHERE id = $1", [
          d.id,
          opts.clock(),
        ]);
      } else {
        await tx.query('UPDATE deliveries SET next_attempt_at = $2, last_delay_ms = $3 WHERE id = $1', [
          d.id,
          new Date(attemptedAt.getTime() + delay),
          delay,
        ]);
      }
      const { rows } = await tx.query<{ consecutive_failures: number; name: string; enabled: boolean }>(
        'UPDATE channels SET consecutive_failures = consecutive_failures + 1 WHERE id = $1 RETURNING consecutive_failures, name, enabled',
        [d.channel_id],
      );
      const ch = rows[0];
      if (ch?.enabled && ch.consecutive_failures >= opts.disableAfterFailures) {
        const reason = `disabled after ${ch.consecutive_failures} failed deliveries in a row (last: ${result.reason})`;
        await tx.query(
          'UPDATE channels SET enabled = false, disabled_reason = $2, updated_at = now() WHERE id = $1',
          [d.channel_id, reason],
        );
        // Pending deliveries of a disabled channel stop too; they stay in the log as failed.
        await tx.query(
          "UPDATE deliveries SET status = 'failed', completed_at = $2 WHERE channel_id = $1 AND status = 'pending'",
          [d.channel_id, opts.clock()],
        );
        await tx.record({
          action: 'channel.disabled',
          target: { type: 'channel', id: d.channel_id },
          summary: { before: { enabled: true }, after: { enabled: false, reason } },
          event: 'channel.disabled',
          payload: { id: d.channel_id, name: ch.name, reason },
        });
      }
    });
  }

  return { runOnce };
}

/** One human line for chat and email channels. */
function summarize(type: string, payload: JsonValue): string {
  const p = payload && typeof payload === 'object' && !Array.isArray(payload) ? payload : {};
  const name = typeof p.name === 'string' ? ` ${p.name}` : typeof p.slug === 'string' ? ` ${p.slug}` : '';
  return `Vigilo: ${type}${name}`;
}
