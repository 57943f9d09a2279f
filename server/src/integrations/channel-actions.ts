import { randomUUID } from 'node:crypto';
import {
  CHANNEL_SECRET_FIELDS,
  channelConfigSchemas,
  type ChannelType,
  pagerdutyInboundPath,
} from '@vigilo/shared/channels';
import type { WorkspaceTx } from '../db/tx.ts';
import { ActionRefused } from '../domain-errors.ts';
import { openChannelConfig, sealChannelConfig } from '../events/channel-secrets.ts';
import { refusedChannelDestination } from './outbound/channel-destinations.ts';
import type { Cidr } from './outbound/ip.ts';
import { outboundPolicy } from './outbound/policy.ts';
import type { SecretBox } from './secrets.ts';
import { generateWebhookSecret } from './webhook-signature.ts';
import { CHANNEL_COLUMNS, type ChannelRow, presentChannel } from './channel-views.ts';

/**
 * Creating, changing and removing notification channels. A config is checked for its type and
 * against the outbound policy (a destination refused now is refused here, naming the field; the
 * delivery checks again when it connects), and its secrets are sealed before they are stored.
 */

/**
 * What the channel actions need from the running server; `publicUrl` (the server's address as
 * others reach it) makes a PagerDuty channel's inbound URL absolute.
 */
export type ChannelDeps = { secrets: SecretBox; outboundAllow: readonly Cidr[]; publicUrl?: string };

/**
 * Where a PagerDuty channel's V3 webhook subscription should deliver, returned by create and
 * update so the admin can paste it into PagerDuty (server/src/integrations/pagerduty-inbound.ts).
 */
function inboundOf(deps: ChannelDeps, workspaceId: string, type: ChannelType, id: string) {
  if (type !== 'pagerduty') return {};
  return {
    inboundUrl: `${(deps.publicUrl ?? '').replace(/\/+$/, '')}${pagerdutyInboundPath(workspaceId, id)}`,
  };
}

/** Runs work in the caller's workspace transaction. */
type InTransaction = <T>(fn: (tx: WorkspaceTx) => Promise<T>) => Promise<T>;

/**
 * Creates a channel. The config is checked (with its destination's name lookup) before the
 * transaction opens, so a slow resolver holds no database connection.
 */
export async function createChannel(
  deps: ChannelDeps,
  inTx: InTransaction,
  input: { name: string; type: ChannelType; config: Record<string, unknown>; eventTypes: string[] },
) {
  // A webhook's signing secret is made here unless the caller brings one (moving an existing
  // receiver over); it is returned this once and stored only sealed.
  const generated =
    input.type === 'webhook' && input.config.secret === undefined ? generateWebhookSecret() : undefined;
  const config = await checkedConfig(
    deps,
    input.type,
    generated ? { ...input.config, secret: generated } : input.config,
  );
  const id = randomUUID();
  const { visible, sealed } = sealChannelConfig(deps.secrets, id, input.type, config);
  return inTx(async (tx) => {
    const { rows } = await tx.query<ChannelRow>(
      `INSERT INTO channels (id, workspace_id, name, type, config, secret_sealed, event_types) VALUES ($7, $1, $2, $3, $4, $5, $6)
       ON CONFLICT (workspace_id, name) DO NOTHING RETURNING ${CHANNEL_COLUMNS}`,
      [tx.workspaceId, input.name, input.type, visible, sealed, input.eventTypes, id],
    );
    const row = rows[0];
    if (!row) throw new ActionRefused('conflict', `a channel named "${input.name}" exists`);
    await tx.record({
      action: 'channel.created',
      target: { type: 'channel', id: row.id },
      summary: {
        after: { name: input.name, type: input.type, config: visible, eventTypes: input.eventTypes },
      },
      event: 'channel.created',
      payload: { id: row.id, name: input.name, type: input.type },
    });
    return {
      ...presentChannel(row, true),
      ...(generated ? { webhookSecret: generated } : {}),
      ...inboundOf(deps, tx.workspaceId, input.type, row.id),
    };
  });
}

/** Changes settings; secrets given are replaced, secrets omitted are kept. Re-enables if asked. */
export async function updateChannel(
  tx: WorkspaceTx,
  deps: ChannelDeps,
  id: string,
  patch: {
    name?: string | undefined;
    config?: Record<string, unknown> | undefined;
    eventTypes?: string[] | undefined;
    enabled?: boolean | undefined;
  },
) {
  const { rows } = await tx.query<ChannelRow & { secret_sealed: string | null }>(
    `SELECT ${CHANNEL_COLUMNS}, secret_sealed FROM channels WHERE id = $1 FOR UPDATE`,
    [id],
  );
  const prev = rows[0];
  if (!prev) throw noChannel();
  let visible = prev.config;
  let sealed = prev.secret_sealed;
  if (patch.config) {
    const current = openChannelConfig(deps.secrets, id, prev.config, prev.secret_sealed);
    const merged = await checkedConfig(deps, prev.type, mergedConfig(prev.type, current, patch.config));
    ({ visible, sealed } = sealChannelConfig(deps.secrets, id, prev.type, merged));
  }
  const next = {
    name: patch.name ?? prev.name,
    eventTypes: patch.eventTypes ?? prev.event_types,
    enabled: patch.enabled ?? prev.enabled,
  };
  const updated = await tx.query<ChannelRow>(
    `UPDATE channels SET name = $2, config = $3, secret_sealed = $4, event_types = $5, enabled = $6,
       consecutive_failures = CASE WHEN $6 AND NOT enabled THEN 0 ELSE consecutive_failures END,
       disabled_reason = CASE WHEN $6 THEN NULL ELSE disabled_reason END, updated_at = now()
     WHERE id = $1 RETURNING ${CHANNEL_COLUMNS}`,
    [id, next.name, visible, sealed, next.eventTypes, next.enabled],
  );
  await tx.record({
    action: 'channel.updated',
    target: { type: 'channel', id },
    summary: {
      before: { name: prev.name, config: prev.config, eventTypes: prev.event_types, enabled: prev.enabled },
      after: {
        name: next.name,
        config: visible,
        eventTypes: next.eventTypes,
        enabled: next.enabled,
        secretsChanged: sealed !== prev.secret_sealed,
      },
    },
    event: 'channel.updated',
    payload: { id, name: next.name },
  });
  const row = updated.rows[0];
  if (!row) throw new Error('channel vanished inside its transaction');
  return { ...presentChannel(row, sealed !== null), ...inboundOf(deps, tx.workspaceId, prev.type, id) };
}

/** Removes a channel; its pending deliveries go with it. */
export async function removeChannel(tx: WorkspaceTx, id: string): Promise<{ id: string }> {
  const { rows } = await tx.query<{ name: string; type: string }>(
    'DELETE FROM channels WHERE id = $1 RETURNING name, type',
    [id],
  );
  if (!rows[0]) throw noChannel();
  await tx.record({
    action: 'channel.removed',
    target: { type: 'channel', id },
    summary: { before: rows[0] },
    event: 'channel.removed',
    payload: { id, name: rows[0].name },
  });
  return { id };
}

/**
 * A config valid for its type whose destination the outbound policy allows now (a literal
 * loopback or metadata address, or a name that resolves to one, is refused); refusals name the
 * field as `config.<path>`.
 */
async function checkedConfig(
  deps: ChannelDeps,
  type: ChannelType,
  raw: unknown,
): Promise<Record<string, unknown>> {
  const parsed = channelConfigSchemas[type].safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.filter((p) => typeof p !== 'symbol') ?? [];
    const message = issue?.message ?? 'invalid';
    throw new ActionRefused('invalid', `config.${path.join('.') || '(root)'}: ${message}`, {
      issue: { path: ['config', ...path], message },
    });
  }
  const refused = await refusedChannelDestination(
    outboundPolicy({ allow: deps.outboundAllow }),
    type,
    parsed.data as never,
  );
  if (refused) {
    throw new ActionRefused('invalid', `config.${refused.field}: ${refused.message}`, {
      issue: { path: ['config', refused.field], message: refused.message },
    });
  }
  return parsed.data;
}

/**
 * Sends a test event to one channel through the real delivery path: a `channel.tested` event (with
 * its audit row) and this channel's delivery of it, in one transaction; the delivery worker sends
 * it like any other (signature, retries, the delivery log), so a test proves what an alert would
 * do. A disabled channel can be tested too: that is how an admin checks a fix before re-enabling.
 */
export async function testChannel(
  tx: WorkspaceTx,
  id: string,
): Promise<{ deliveryId: string; eventSeq: number }> {
  const { rows } = await tx.query<{ name: string; type: ChannelType }>(
    'SELECT name, type FROM channels WHERE id = $1 FOR UPDATE',
    [id],
  );
  const channel = rows[0];
  if (!channel) throw noChannel();
  await tx.record({
    action: 'channel.tested',
    target: { type: 'channel', id },
    summary: { after: { name: channel.name, type: channel.type } },
    event: 'channel.tested',
    payload: { id, name: channel.name, type: channel.type, test: true },
  });
  // The event just appended took the workspace head's number; this transaction holds that row.
  const delivery = await tx.query<{ id: string; event_seq: string }>(
    `INSERT INTO deliveries (workspace_id, channel_id, event_seq)
     SELECT $1, $2, event_seq FROM workspace_heads WHERE workspace_id = $1 RETURNING id, event_seq`,
    [tx.workspaceId, id],
  );
  const row = delivery.rows[0];
  if (!row) throw new Error('no workspace head for the test event');
  return { deliveryId: row.id, eventSeq: Number(row.event_seq) };
}

/**
 * A config patch over the current config: fields given replace the current ones, `null` removes
 * an optional field (an email channel's `auth`), and a secret left out of a nested object given
 * (`auth` with a user and no password) is kept, as a secret left out at the top level is.
 */
function mergedConfig(
  type: ChannelType,
  current: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  for (const field of CHANNEL_SECRET_FIELDS[type]) {
    const [parent, child] = field.split('.');
    if (!parent || !child) continue;
    const given = patch[parent];
    const kept = current[parent];
    if (isObject(given) && given[child] === undefined && isObject(kept) && kept[child] !== undefined)
      merged[parent] = { ...given, [child]: kept[child] };
  }
  return merged;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const noChannel = () => new ActionRefused('not_found', 'no channel with that id');
