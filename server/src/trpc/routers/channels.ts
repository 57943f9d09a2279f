import { CHANNEL_TYPES } from '@vigilo/shared/channels';
import { EVENT_FILTER_PATTERN } from '@vigilo/shared/events';
import { z } from 'zod';
import {
  type ChannelDeps,
  createChannel,
  removeChannel,
  testChannel,
  updateChannel,
} from '../../integrations/channel-actions.ts';
import { channelDeliveries, listChannels } from '../../integrations/channel-views.ts';
import { workspaceRef } from '../authorize.ts';
import type { Context } from '../context.ts';
import { router, workspaceProcedure } from '../init.ts';

const eventTypesSchema = z
  .array(z.string().regex(EVENT_FILTER_PATTERN, 'event types look like alert.opened, alert.* or *'))
  .min(1, 'subscribe to at least one event type')
  .max(100);
const nameSchema = z.string().trim().min(1, 'name must not be empty').max(100);
const channelId = z.uuid('id must be a channel id');

const depsOf = (ctx: Context): ChannelDeps => ({
  secrets: ctx.services.secrets,
  outboundAllow: ctx.services.config.outboundAllow,
  publicUrl: ctx.services.config.identity.publicUrl,
});

export const channelsRouter = router({
  list: workspaceProcedure
    .input(z.object({ workspace: workspaceRef }))
    .query(({ ctx }) => ctx.tx(listChannels)),

  /** Creates a channel; a webhook without a secret gets one made here, returned this once. */
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
    .mutation(({ ctx, input: { workspace: _, ...channel } }) => createChannel(depsOf(ctx), ctx.tx, channel)),

  /**
   * Changes settings; secrets given are replaced, secrets omitted are kept. `enabled: true`
   * re-enables a channel the delivery worker disabled after failures (its failure count restarts).
   */
  update: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        id: channelId,
        name: nameSchema.optional(),
        config: z.record(z.string(), z.unknown()).optional(),
        eventTypes: eventTypesSchema.optional(),
        enabled: z.boolean().optional(),
      }),
    )
    .mutation(({ ctx, input: { workspace: _, id, ...patch } }) =>
      ctx.tx((tx) => updateChannel(tx, depsOf(ctx), id, patch)),
    ),

  remove: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id: channelId }))
    .mutation(({ ctx, input }) => ctx.tx((tx) => removeChannel(tx, input.id))),

  /** Sends a test event through the real delivery path; it shows in the delivery log as a test. */
  test: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id: channelId }))
    .mutation(({ ctx, input }) => ctx.tx((tx) => testChannel(tx, input.id))),

  /** The delivery log of one channel, newest first, with every attempt. */
  deliveries: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        id: channelId,
        limit: z.number().int().min(1).max(200).default(50),
      }),
    )
    .query(({ ctx, input }) => ctx.tx((tx) => channelDeliveries(tx, input.id, input.limit))),
});
