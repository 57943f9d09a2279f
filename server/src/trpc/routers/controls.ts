import { CONTROL_STATUSES, controlStatusSchema } from '@vigilo/shared/frameworks';
import { text } from '@vigilo/shared/safe-input';
import { z } from 'zod';
import { createControl, removeControl, updateControl } from '../../compliance/controls/control-actions.ts';
import { readControl } from '../../compliance/controls/control-records.ts';
import { controlReminders, listControls } from '../../compliance/controls/control-views.ts';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';

const id = z.uuid('id must be a control id');
const title = text('title')
  .trim()
  .min(1, 'title must not be empty')
  .max(200, 'title must be at most 200 characters');
const description = text('description').max(10_000, 'description must be at most 10000 characters');
const requirementRef = z.object({
  framework: text('framework').trim().min(1, 'framework must not be empty').max(100),
  ref: text('ref').trim().min(1, 'ref must not be empty').max(64, 'ref must be at most 64 characters'),
});
const requirements = z
  .array(requirementRef, { error: 'requirements must be a list of {framework, ref}' })
  .min(1, 'requirements must name at least one requirement')
  .max(200, 'requirements holds at most 200 entries');
const ownerId = z.uuid('ownerId must be a user id').nullable();
const states = [...CONTROL_STATUSES, 'needs_evidence'] as const;

export const controlsRouter = router({
  /** The controls, those needing evidence first; filters narrow it. */
  list: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        framework: text('framework').max(100).optional(),
        state: z.array(z.enum(states, { error: `state must be one of ${states.join(', ')}` })).optional(),
        ownerId: z.uuid('ownerId must be a user id').optional(),
        limit: z.number().int().min(1).max(1000).default(500),
      }),
    )
    .query(({ ctx, input: { workspace: _, ...f } }) =>
      ctx.tx((tx) => listControls(tx, f, ctx.services.clock())),
    ),

  /** One control with its mappings and how much of its evidence is current. */
  get: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id }))
    .query(({ ctx, input }) => ctx.tx((tx) => readControl(tx, input.id, ctx.services.clock()))),

  /** Evidence expiring within `days` (30 by default) and the controls that need evidence now. */
  reminders: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, days: z.number().int().min(1).max(365).optional() }))
    .query(({ ctx, input }) =>
      ctx.tx((tx) => controlReminders(tx, { now: ctx.services.clock(), days: input.days })),
    ),

  create: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        title,
        description: description.optional(),
        ownerId: ownerId.optional(),
        status: controlStatusSchema.optional(),
        requirements,
      }),
    )
    .mutation(({ ctx, input: { workspace: _, ...fields } }) =>
      ctx.tx((tx) => createControl(tx, { fields, now: ctx.services.clock() })),
    ),

  /** Changes the fields given; `requirements` replaces the mappings. */
  update: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        id,
        title: title.optional(),
        description: description.optional(),
        ownerId: ownerId.optional(),
        status: controlStatusSchema.optional(),
        requirements: requirements.optional(),
      }),
    )
    .mutation(({ ctx, input: { workspace: _, id: controlId, ...patch } }) =>
      ctx.tx((tx) => updateControl(tx, { id: controlId, patch, now: ctx.services.clock() })),
    ),

  /** Removes a control with its mappings and evidence. */
  remove: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id }))
    .mutation(({ ctx, input }) =>
      ctx.tx((tx) => removeControl(tx, { id: input.id, now: ctx.services.clock() })),
    ),
});
