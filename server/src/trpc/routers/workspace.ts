import { z } from 'zod';
import { personOf } from '../../changes/people.ts';
import { ActionRefused } from '../../domain-errors.ts';
import { getWorkspace, updateWorkspace } from '../../workspaces/settings.ts';
import { workspaceRef } from '../authorize.ts';
import { router, userProcedure, workspaceProcedure } from '../init.ts';

export const slugSchema = z
  .string()
  .regex(
    /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/,
    'slug must be 1–48 lower-case letters, digits or inner hyphens',
  );
const nameSchema = z
  .string()
  .trim()
  .min(1, 'name must not be empty')
  .max(100, 'name must be at most 100 characters');
const settingsSchema = z.record(z.string(), z.json()).refine((s) => JSON.stringify(s).length <= 64_000, {
  message: 'settings must be at most 64 KB of JSON',
});

export const workspaceRouter = router({
  /** Creates a workspace with the caller as its owner (the system path: it has no workspace yet). */
  create: userProcedure
    .input(z.object({ slug: slugSchema, name: nameSchema }))
    .mutation(async ({ ctx, input }) => {
      const ws = await ctx.directory.createWorkspace(
        { slug: input.slug, name: input.name, ownerUserId: ctx.user.userId },
        { actor: ctx.auth.actor, requestId: ctx.requestId },
      );
      return { id: ws.id, slug: input.slug, name: input.name, role: 'owner' as const };
    }),

  /**
   * The workspaces the caller belongs to, with their role in each. Every client asks this at
   * sign-in, so the caller's open invitations become memberships here first.
   */
  mine: userProcedure.query(async ({ ctx }) => {
    const now = ctx.services.clock();
    if (ctx.user.email)
      await ctx.directory.acceptInvitations(
        { userId: ctx.user.userId, email: ctx.user.email },
        { now, requestId: ctx.requestId },
      );
    return ctx.directory.workspacesOf(ctx.user.userId, now);
  }),

  /**
   * The workspace, the caller's role and the person behind the call (an API token's creator), so
   * a desktop knows offline which approvals wait on it; null when nobody stands behind it.
   */
  get: workspaceProcedure.input(z.object({ workspace: workspaceRef })).query(({ ctx }) =>
    ctx.tx(async (tx) => ({
      ...(await getWorkspace(tx)),
      myRole: ctx.workspace.role,
      myUserId: await personOf(tx, ctx.auth.actor).catch((err: unknown) => {
        if (err instanceof ActionRefused) return null;
        throw err;
      }),
    })),
  ),

  update: workspaceProcedure
    .input(
      z.object({ workspace: workspaceRef, name: nameSchema.optional(), settings: settingsSchema.optional() }),
    )
    .mutation(({ ctx, input }) =>
      ctx.tx((tx) => updateWorkspace(tx, { name: input.name, settings: input.settings })),
    ),
});
