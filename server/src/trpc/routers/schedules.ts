import { layerFields, overrideFields, refineRange, scheduleFields } from '@vigilo/shared/oncall';
import { instant } from '@vigilo/shared/safe-input';
import { z } from 'zod';
import {
  addLayer,
  addOverride,
  createSchedule,
  removeLayer,
  removeOverride,
  removeSchedule,
  updateLayer,
  updateSchedule,
} from '../../oncall/schedule-actions.ts';
import { getSchedule, listSchedules, upcomingShifts, whoIsOnCall } from '../../oncall/schedule-views.ts';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';

const id = z.uuid('id must be a schedule id');
const scheduleId = z.uuid('scheduleId must be a schedule id');
const layer = layerFields.superRefine(refineRange);

/** On-call schedules: rotations in layers, overrides, who is on call. */
export const schedulesRouter = router({
  /** Every schedule with its layers, overrides, who is on call now and the coverage gaps ahead. */
  list: workspaceProcedure
    .input(z.object({ workspace: workspaceRef }))
    .query(({ ctx }) => ctx.tx((tx) => listSchedules(tx, { now: ctx.services.clock() }))),

  get: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id }))
    .query(({ ctx, input }) => ctx.tx((tx) => getSchedule(tx, input.id, ctx.services.clock()))),

  /** Creates a schedule, with its first rotation layers when given (a weekly rotation in one call). */
  create: workspaceProcedure
    .input(
      scheduleFields.extend({
        workspace: workspaceRef,
        layers: z.array(layer).max(10, 'layers holds at most 10').default([]),
      }),
    )
    .mutation(({ ctx, input }) =>
      ctx.tx((tx) =>
        createSchedule(tx, {
          name: input.name,
          description: input.description,
          layers: input.layers,
          actor: ctx.auth.actor,
          now: ctx.services.clock(),
        }),
      ),
    ),

  update: workspaceProcedure
    .input(scheduleFields.partial().extend({ workspace: workspaceRef, id }))
    .mutation(({ ctx, input }) =>
      ctx.tx((tx) =>
        updateSchedule(tx, {
          id: input.id,
          name: input.name,
          description: input.description,
          now: ctx.services.clock(),
        }),
      ),
    ),

  remove: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id }))
    .mutation(({ ctx, input }) => ctx.tx((tx) => removeSchedule(tx, input.id))),

  addLayer: workspaceProcedure
    .input(layerFields.extend({ workspace: workspaceRef, scheduleId }).superRefine(refineRange))
    .mutation(({ ctx, input: { workspace: _, scheduleId: sid, ...l } }) =>
      ctx.tx((tx) => addLayer(tx, { scheduleId: sid, layer: l, now: ctx.services.clock() })),
    ),

  updateLayer: workspaceProcedure
    .input(
      layerFields
        .extend({ workspace: workspaceRef, id: z.uuid('id must be a layer id') })
        .superRefine(refineRange),
    )
    .mutation(({ ctx, input: { workspace: _, id: layerId, ...l } }) =>
      ctx.tx((tx) => updateLayer(tx, { id: layerId, layer: l, now: ctx.services.clock() })),
    ),

  removeLayer: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id: z.uuid('id must be a layer id') }))
    .mutation(({ ctx, input }) =>
      ctx.tx((tx) => removeLayer(tx, { id: input.id, now: ctx.services.clock() })),
    ),

  /** Someone covers a range of a schedule (for a colleague, say): any member who may operate. */
  addOverride: workspaceProcedure
    .input(overrideFields.and(z.object({ workspace: workspaceRef, scheduleId })))
    .mutation(({ ctx, input: { workspace: _, scheduleId: sid, ...o } }) =>
      ctx.tx((tx) =>
        addOverride(tx, { scheduleId: sid, override: o, actor: ctx.auth.actor, now: ctx.services.clock() }),
      ),
    ),

  removeOverride: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id: z.uuid('id must be an override id') }))
    .mutation(({ ctx, input }) => ctx.tx((tx) => removeOverride(tx, { id: input.id }))),

  /** Who is on call at `at` (default now) in each schedule, or in one. */
  onCall: workspaceProcedure
    .input(
      z.object({ workspace: workspaceRef, scheduleId: scheduleId.optional(), at: instant('at').optional() }),
    )
    .query(({ ctx, input }) =>
      ctx.tx((tx) => whoIsOnCall(tx, { scheduleId: input.scheduleId, at: input.at ?? ctx.services.clock() })),
    ),

  /** The next shifts from `from` (default now): of one schedule, of one person, or `mine`. */
  shifts: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        scheduleId: scheduleId.optional(),
        userId: z.uuid('userId must be a user id').optional(),
        mine: z.boolean().default(false),
        from: instant('from').optional(),
        count: z
          .number()
          .int('count must be a whole number')
          .min(1, 'count must be at least 1')
          .max(50, 'count must be at most 50')
          .default(10),
      }),
    )
    .query(({ ctx, input }) =>
      ctx.tx((tx) =>
        upcomingShifts(tx, {
          scheduleId: input.scheduleId,
          userId: input.mine ? ctx.auth.actor.id : input.userId,
          from: input.from ?? ctx.services.clock(),
          count: input.count,
        }),
      ),
    ),
});
