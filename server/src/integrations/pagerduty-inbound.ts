import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Database } from '../db/pool.ts';
import { type Actor, withWorkspace, type WorkspaceTx } from '../db/tx.ts';
import { ActionRefused } from '../domain-errors.ts';
import { openChannelConfig } from '../events/channel-secrets.ts';
import { acknowledgeAlert, resolveAlert } from '../monitoring/alerts/alert-actions.ts';
import type { SecretBox } from './secrets.ts';

/**
 * PagerDuty's acknowledgements and resolves coming back (issue 15, "Escalation policies"): a
 * PagerDuty channel pages with the dedup key `alert:<id>` (channels/pagerduty.ts), PagerDuty makes
 * that the incident's `incident_key`, and a V3 webhook subscription on the service posts
 * `incident.acknowledged` / `incident.resolved` here. Acting on one is the same domain action the
 * API uses (alert-actions.ts), so the escalation stops and the audit row, event and the alert's
 * timeline entry are written in one transaction, as the system actor
 * `integration:pagerduty:<channelId>`.
 *
 * The only credential is the subscription's signing secret, kept sealed in the channel's config
 * (`signingSecret`): `X-PagerDuty-Signature` holds one or more comma-separated `v1=<hex>`, each
 * the HMAC-SHA256 of the raw body under one of the subscription's secrets (several while PagerDuty
 * rotates it). V3 signatures carry no timestamp, so a replay is harmless only because every
 * outcome is idempotent: an alert acknowledged or resolved stays so, and alert ids are never
 * reused.
 */

export const PAGERDUTY_SIGNATURE_HEADER = 'x-pagerduty-signature';

/** PagerDuty drops webhooks over 256 KB; nothing larger is read. */
export const PAGERDUTY_WEBHOOK_MAX_BYTES = 256 * 1024;

const HMAC_HEX = /^[0-9a-f]{64}$/i;

/**
 * True when one `v1=` entry of the header is the HMAC-SHA256 of `body` under `secret`, compared in
 * constant time (the length of a valid HMAC is public; entries of another length or scheme are
 * skipped, as PagerDuty's verification steps say).
 */
export function pagerdutySignatureMatches(
  header: string | undefined,
  body: Uint8Array,
  secret: string,
): boolean {
  if (header === undefined || header === '') return false;
  const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(body).digest();
  let matched = false;
  for (const raw of header.split(',')) {
    const entry = raw.trim();
    if (!entry.startsWith('v1=')) continue;
    const hex = entry.slice(3);
    if (!HMAC_HEX.test(hex)) continue;
    // No early exit: every entry costs the same whichever one matches.
    if (timingSafeEqual(Buffer.from(hex, 'hex'), expected)) matched = true;
  }
  return matched;
}

/**
 * The part of a V3 webhook payload this reads: `event.event_type`, the incident's `incident_key`
 * (our dedup key) under `event.data`, and who did it (`event.agent.summary`, a user's name).
 */
const webhookSchema = z.object(
  {
    event: z.object(
      {
        id: z.string({ error: 'event.id must be a string' }).max(200).optional(),
        event_type: z.string({ error: 'event.event_type must be a string' }).min(1).max(200),
        agent: z
          .object({
            summary: z.string({ error: 'event.agent.summary must be a string' }).max(1000).nullish(),
          })
          .nullish(),
        data: z
          .object({ incident_key: z.string({ error: 'event.data.incident_key must be a string' }).nullish() })
          .nullish(),
      },
      { error: 'event must be an object' },
    ),
  },
  { error: 'the body must be a PagerDuty V3 webhook payload: an object with an event' },
);

/** The dedup key channels/pagerduty.ts sends for an alert. */
const ALERT_KEY = /^alert:(.+)$/;
const alertIdSchema = z.uuid();

export type PagerdutyInboundOutcome =
  /** Unknown channel, not a PagerDuty channel, no signing secret set, or no signature matches. */
  | { kind: 'unauthorized' }
  /** Signed, but not a V3 webhook payload: `message` says what is wrong. */
  | { kind: 'malformed'; message: string }
  /** Signed and well formed, but nothing for Vigilo to do (another event type, another key). */
  | { kind: 'ignored'; reason: string }
  | { kind: 'applied'; action: 'acknowledged' | 'resolved'; alertId: string }
  /** About one of our alerts, which already was in that state or is not in this workspace. */
  | { kind: 'unchanged'; alertId: string; reason: string };

/** The actor recorded on what PagerDuty does through one channel. */
export const pagerdutyActor = (channelId: string): Actor => ({
  type: 'system',
  id: `integration:pagerduty:${channelId}`,
});

/**
 * Handles one delivery to channel `channelId` of workspace `workspaceId`. Everything runs on the
 * runtime pool bound to that workspace by row-level security: a channel or alert of another
 * workspace is simply not found. Nothing changes unless the signature matches.
 */
export function receivePagerdutyWebhook(
  deps: { db: Database; secrets: SecretBox },
  input: {
    workspaceId: string;
    channelId: string;
    signature: string | undefined;
    body: Uint8Array;
    now: Date;
    requestId: string | undefined;
  },
): Promise<PagerdutyInboundOutcome> {
  const actor = pagerdutyActor(input.channelId);
  return withWorkspace(deps.db.app, input.workspaceId, { actor, requestId: input.requestId }, async (tx) => {
    const { rows } = await tx.query<{
      type: string;
      config: Record<string, unknown>;
      secret_sealed: string | null;
    }>('SELECT type, config, secret_sealed FROM channels WHERE id = $1', [input.channelId]);
    const channel = rows[0];
    if (!channel || channel.type !== 'pagerduty') return { kind: 'unauthorized' };
    const config = openChannelConfig(deps.secrets, input.channelId, channel.config, channel.secret_sealed);
    const secret = config.signingSecret;
    if (typeof secret !== 'string' || !pagerdutySignatureMatches(input.signature, input.body, secret)) {
      return { kind: 'unauthorized' };
    }
    const parsed = parsePayload(input.body);
    if (!parsed.ok) return { kind: 'malformed', message: parsed.message };
    const { event } = parsed.value;
    const action =
      event.event_type === 'incident.acknowledged'
        ? 'acknowledge'
        : event.event_type === 'incident.resolved'
          ? 'resolve'
          : undefined;
    if (!action) return { kind: 'ignored', reason: `${event.event_type} does not change an alert` };
    const key = event.data?.incident_key ?? '';
    const alertId = ALERT_KEY.exec(key)?.[1];
    if (alertId === undefined || !alertIdSchema.safeParse(alertId).success) {
      return { kind: 'ignored', reason: 'the incident was not opened by a Vigilo alert (incident_key)' };
    }
    const who = event.agent?.summary?.replaceAll('\u0000', '').trim().slice(0, 200);
    const note = `${action === 'acknowledge' ? 'Acknowledged' : 'Resolved'} in PagerDuty${who ? ` by ${who}` : ''}`;
    return applyToAlert(tx, { alertId, action, note, actor, now: input.now });
  });
}

type Parsed = { ok: true; value: z.infer<typeof webhookSchema> } | { ok: false; message: string };

function parsePayload(body: Uint8Array): Parsed {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    return { ok: false, message: 'the body is not JSON' };
  }
  const result = webhookSchema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  return { ok: false, message: issue?.message ?? 'the body is not a PagerDuty V3 webhook payload' };
}

/**
 * Acknowledges or resolves the alert unless it already is (a repeated delivery, or PagerDuty
 * echoing an acknowledgement Vigilo sent it), or is not this workspace's (row security hides it).
 */
async function applyToAlert(
  tx: WorkspaceTx,
  input: { alertId: string; action: 'acknowledge' | 'resolve'; note: string; actor: Actor; now: Date },
): Promise<PagerdutyInboundOutcome> {
  const { alertId } = input;
  const { rows } = await tx.query<{ state: string; acknowledged_at: Date | null }>(
    'SELECT state, acknowledged_at FROM alerts WHERE id = $1 FOR UPDATE',
    [alertId],
  );
  const alert = rows[0];
  if (!alert) return { kind: 'unchanged', alertId, reason: 'no such alert in this workspace' };
  if (alert.state === 'resolved') return { kind: 'unchanged', alertId, reason: 'the alert is resolved' };
  try {
    if (input.action === 'acknowledge') {
      if (alert.acknowledged_at !== null)
        return { kind: 'unchanged', alertId, reason: 'the alert is acknowledged' };
      await acknowledgeAlert(tx, { alertId, note: input.note, actor: input.actor, now: input.now });
      return { kind: 'applied', action: 'acknowledged', alertId };
    }
    await resolveAlert(tx, { alertId, note: input.note, actor: input.actor, now: input.now });
    return { kind: 'applied', action: 'resolved', alertId };
  } catch (err) {
    // The alert is locked above, so these refusals cannot happen; kept as outcomes all the same.
    if (err instanceof ActionRefused) return { kind: 'unchanged', alertId, reason: err.message };
    throw err;
  }
}
