import { instant, text } from '@vigilo/shared/safe-input';
import { taskStatusSchema } from '@vigilo/shared/work';
import { z } from 'zod';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';
import { createTask, listTasks, removeTask, updateTask } from '../../work/tasks.ts';

const id = z.uuid('id must be a task id');
const title = text('title')
  .trim()
  .min(1, 'title must not be empty')
  .max(200, 'title must be at most 200 characters');
const description = text('description').max(10_000, 'description must be at most 10000 characters');
const assigneeId = z.uuid('assigneeId must be a user id');
const incidentId = z.uuid('incidentId must be an incident id');
const projectId = z.uuid('projectId must be a project id');
const changeId = z.uuid('changeId must be a change id');

export const tasksRouter = router({
  /** Tasks oldest first, narrowed by status, assignee, incident, project or change. */
  list: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        status: z.array(taskStatusSchema).optional(),
        assigneeId: assigneeId.optional(),
        incidentId: incidentId.optional(),
        projectId: projectId.optional(),
        changeId: changeId.optional(),
        cursor: z.object({ createdAt: instant('cursor.createdAt'), id: z.uuid() }).optional(),
        limit: z.number().int().min(1).max(500).default(100),
      }),
    )
    .query(({ ctx, input: { workspace: _, ...filter } }) => ctx.tx((tx) => listTasks(tx, filter))),

  /** Creates a task, optionally assigned, due, and linked to an incident, a project and/or a change. */
  create: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        title,
        description: description.optional(),
        status: taskStatusSchema.optional(),
        assigneeId: assigneeId.optional(),
        dueAt: instant('dueAt').optional(),
        incidentId: incidentId.optional(),
        projectId: projectId.optional(),
        changeId: changeId.optional(),
      }),
    )
    .mutation(({ ctx, input: { workspace: _, ...fields } }) =>
      ctx.tx((tx) => createTask(tx, { fields, actor: ctx.auth.actor, now: ctx.services.clock() })),
    ),

  /** Changes the fields given; null clears assignee, due date or a link. */
  update: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        id,
        title: title.optional(),
        description: description.optional(),
        status: taskStatusSchema.optional(),
        assigneeId: assigneeId.nullable().optional(),
        dueAt: instant('dueAt').nullable().optional(),
        incidentId: incidentId.nullable().optional(),
        projectId: projectId.nullable().optional(),
        changeId: changeId.nullable().optional(),
      }),
    )
    .mutation(({ ctx, input: { workspace: _, id: taskId, ...patch } }) =>
      ctx.tx((tx) => updateTask(tx, { id: taskId, patch, actor: ctx.auth.actor, now: ctx.services.clock() })),
    ),

  /** Removes a task (cancelling keeps it on record; removing is for mistakes). */
  remove: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id }))
    .mutation(({ ctx, input }) => ctx.tx((tx) => removeTask(tx, { id: input.id }))),
});
