import { instant, text } from '@vigilo/shared/safe-input';
import { z } from 'zod';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';
import {
  createProject,
  getProject,
  listProjects,
  removeProject,
  updateProject,
} from '../../work/projects.ts';

const id = z.uuid('id must be a project id');
const name = text('name')
  .trim()
  .min(1, 'name must not be empty')
  .max(100, 'name must be at most 100 characters');
const description = text('description').max(10_000, 'description must be at most 10000 characters');
const ownerId = z.uuid('ownerId must be a user id');
const endAfterStart = {
  message: 'endsAt must not be before startsAt',
  path: ['endsAt'],
};

export const projectsRouter = router({
  /** Every project by name, each with its progress. */
  list: workspaceProcedure
    .input(z.object({ workspace: workspaceRef }))
    .query(({ ctx }) => ctx.tx((tx) => listProjects(tx))),

  /** One project with its progress and its tasks. */
  get: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id }))
    .query(({ ctx, input }) => ctx.tx((tx) => getProject(tx, input.id))),

  create: workspaceProcedure
    .input(
      z
        .object({
          workspace: workspaceRef,
          name,
          description: description.optional(),
          ownerId: ownerId.optional(),
          startsAt: instant('startsAt').optional(),
          endsAt: instant('endsAt').optional(),
        })
        .refine((p) => !p.startsAt || !p.endsAt || p.endsAt >= p.startsAt, endAfterStart),
    )
    .mutation(({ ctx, input: { workspace: _, ...fields } }) =>
      ctx.tx((tx) => createProject(tx, { fields, actor: ctx.auth.actor, now: ctx.services.clock() })),
    ),

  /** Changes the fields given; null clears owner or a date. The range is checked as it will be. */
  update: workspaceProcedure
    .input(
      z
        .object({
          workspace: workspaceRef,
          id,
          name: name.optional(),
          description: description.optional(),
          ownerId: ownerId.nullable().optional(),
          startsAt: instant('startsAt').nullable().optional(),
          endsAt: instant('endsAt').nullable().optional(),
        })
        .refine((p) => !p.startsAt || !p.endsAt || p.endsAt >= p.startsAt, endAfterStart),
    )
    .mutation(({ ctx, input: { workspace: _, id: projectId, ...patch } }) =>
      ctx.tx((tx) => updateProject(tx, { id: projectId, patch, now: ctx.services.clock() })),
    ),

  /** Removes a project; its tasks stay, without a project. */
  remove: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id }))
    .mutation(({ ctx, input }) =>
      ctx.tx((tx) => removeProject(tx, { id: input.id, now: ctx.services.clock() })),
    ),
});
