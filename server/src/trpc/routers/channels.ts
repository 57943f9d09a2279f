import { randomUUID } from 'node:crypto';
import { TRPCError } from '@trpc/server';
import { CHANNEL_TYPES, channelConfigSchemas, type ChannelType } from '@vigilo/shared/channels';
import { EVENT_FILTER_PATTERN } from '@vigilo/shared/events';
import { z, ZodRealError } from 'zod';
import { refusedChannelDestination } from '../../integrations/outbound/channel-destinations.ts';
import { outboundPolicy } from '../../integrations/outbound/policy.ts';
import type { Services } from '../../services.ts';
import { openChannelConfig, sealChannelConfig, secretFieldsOf } from '../../events/channel-secrets.ts';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';

const eventTypesSchema = z
  .array(z.string().regex(EVENT_FILTER_PATTERN, 'event types look like alert.opened, alert.* or *'))
  .min(1, 'subscribe to at least one event type')
  .max(100);
const nameSchema = z.string().trim().min(1, 'name must not be empty').max(100);

/** Validates a config for its type; errors name the field as `config.<path>`. */
function parseConfig(type: ChannelType, raw: unknown): Record<string, unknown> {
  const parsed = channelConfigSchemas[type].safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: `config.${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
      cause: parsed.error,
    });
  }
  return parsed.data;
}

/**
 * Refuses a config whose destination the outbound policy refuses now (a literal loopback or
 * metadata address, or a name that resolves to one), as a BAD_REQUEST naming the field. The
 * delivery checks again when it connects, since what a name resolves to can change.
 */
async function assertDestinationAllowed(
  services: Services,
  type: ChannelType,
  config: Record<string, unknown>,
): Promise<void> {
  const policy = outboundPolicy({ allow: services.config.outboundAllow });
  const refused = await refusedChannelDestination(policy, type, config as never);
  if (!refused) return;
  throw new TRPCError({
    code: 'BAD_REQUEST',
    message: `config.${refused.field}: ${refused.message}`,
    // As a zod error (the Error-derived kind, which tRPC keeps as the cause), so `data.fieldErrors`
    // names the field like any other validation failure.
    cause: new ZodRealError([
      { code: 'custom', path: ['config', refused.field], message: refused.message, input: undefined },
    ]),
  });
}

type ChannelRow = {
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

/** What the API returns: never the secrets, only which of them are set. */
function present(row: ChannelRow, sealedSet: boolean) {
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

const COLS =
  'id, name, type, config, event_types, enabled, consecutive_failures, disabled_reason, created_at, updated_at, secret_sealed IS NOT NULL AS sealed';

export const channelsRouter = router({
  list: workspaceProcedure.input(z.object({ workspace: workspaceRef })).query(({ ctx }) =>
    ctx.tx(async (tx) => {
      const { rows } = await tx.query<ChannelRow & { sealed: boolean }>(
        `SELECT ${COLS} FROM channels ORDER BY name`,
      );
      return rows.map((r) => present(r, r.sealed));
    }),
  ),

  create: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        name: nameSchema,
        type: z.enum(CHANNEL_TYPES, { error: `type must be one of ${CHANNEL_TYPES.join(', ')}` }),
        config: z.record(z.string(), z.unknown()),
        eventTypes: eventTypesSchema,
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const config = parseConfig(input.type, input.config);
      await assertDestinationAllowed(ctx.services, input.type, config);
      const id = randomUUID();
      const { visible, sealed } = sealChannelConfig(ctx.services.secrets, id, input.type, config);
      return ctx.tx(async (tx) => {
        const { rows } = await tx.query<ChannelRow>(
          `INSERT INTO channels (id, workspace_id, name, type, config, secret_sealed, event_types) VALUES ($7, $1, $2, $3, $4, $5, $6)
           ON CONFLICT (workspace_id, name) DO NOTHING RETURNING ${COLS}`,
          [tx.workspaceId, input.name, input.type, visible, sealed, input.eventTypes, id],
        );
        const row = rows[0];
        if (!row)
          throw new TRPCError({ code: 'CONFLICT', message: `a channel named "${input.name}" exists` });
        await tx.record({
          action: 'channel.created',
          target: { type: 'channel', id: row.id },
          summary: {
            after: { name: input.name, type: input.type, config: visible, eventTypes: input.eventTypes },
          },
          event: 'channel.created',
          payload: { id: row.id, name: input.name, type: input.type },
        });
        return present(row, true);
      });
    }),

  /** Changes settings; secrets given are replaced, secrets omitted are kept. Re-enables if asked. */
  update: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        id: z.uuid('id must be a channel id'),
        name: nameSchema.optional(),
        config: z.record(z.string(), z.unknown()).optional(),
        eventTypes: eventTypesSchema.optional(),
        enabled: z.boolean().optional(),
      }),
    )
    .mutation(({ ctx, input }) =>
      ctx.tx(async (tx) => {
        const { rows } = await tx.query<ChannelRow & { secret_sealed: string | null }>(
          `SELECT ${COLS}, secret_sealed FROM channels WHERE id = $1 FOR UPDATE`,
          [input.id],
        );
        const prev = rows[0];
        if (!prev) throw new TRPCError({ code: 'NOT_FOUND', message: 'no channel with that id' });
        let visible = prev.config;
        let sealed = prev.secret_sealed;
        if (input.config) {
          const current = openChannelConfig(ctx.services.secrets, input.id, prev.config, prev.secret_sealed);
          const merged = parseConfig(prev.type, { ...current, ...input.config });
          await assertDestinationAllowed(ctx.services, prev.type, merged);
          ({ visible, sealed } = sealChannelConfig(ctx.services.secrets, input.id, prev.type, merged));
        }
        const next = {
          name: input.name ?? prev.name,
          eventTypes: input.eventTypes ?? prev.event_types,
          enabled: input.enabled ?? prev.enabled,
        };
        const updated = await tx.query<ChannelRow>(
          `UPDATE channels SET name = $2, config = $3, secret_sealed = $4, event_types = $5, enabled = $6,
             consecutive_failures = CASE WHEN $6 AND NOT enabled THEN 0 ELSE consecutive_failures END,
             disabled_reason = CASE WHEN $6 THEN NULL ELSE disabled_reason END, updated_at = now()
           WHERE id = $1 RETURNING ${COLS}`,
          [input.id, next.name, visible, sealed, next.eventTypes, next.enabled],
        );
        await tx.record({
          action: 'channel.updated',
          target: { type: 'channel', id: input.id },
          summary: {
            before: {
              name: prev.name,
              config: prev.config,
              eventTypes: prev.event_types,
              enabled: prev.enabled,
            },
            after: {
              name: next.name,
              config: visible,
              eventTypes: next.eventTypes,
              enabled: next.enabled,
              secretsChanged: sealed !== prev.secret_sealed,
            },
          },
          event: 'channel.updated',
          payload: { id: input.id, name: next.name },
        });
        const row = updated.rows[0];
        if (!row) throw new Error('channel vanished inside its transaction');
        return present(row, sealed !== null);
      }),
    ),

  remove: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id: z.uuid('id must be a channel id') }))
    .mutation(({ ctx, input }) =>
      ctx.tx(async (tx) => {
        const { rows } = await tx.query<{ name: string; type: string }>(
          'DELETE FROM channels WHERE id = $1 RETURNING name, type',
          [input.id],
        );
        if (!rows[0]) throw new TRPCError({ code: 'NOT_FOUND', message: 'no channel with that id' });
        await tx.record({
          action: 'channel.removed',
          target: { type: 'channel', id: input.id },
          summary: { before: rows[0] },
          event: 'channel.removed',
          payload: { id: input.id, name: rows[0].name },
        });
        return { id: input.id };
      }),
    ),

  /** The delivery log of one channel, newest first, with every attempt. */
  deliveries: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        id: z.uuid('id must be a channel id'),
        limit: z.number().int().min(1).max(200).default(50),
      }),
    )
    .query(({ ctx, input }) =>
      ctx.tx(async (tx) => {
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
          [input.id, input.limit],
        );
        return rows.map((r) => ({
          id: r.id,
          eventSeq: r.event_seq,
          eventType: r.event_type,
          status: r.status,
          attempts: r.attempts,
          nextAttemptAt: r.status === 'pending' ? r.next_attempt_at : null,
          completedAt: r.completed_at,
          log: r.log,
        }));
      }),
    ),
});
