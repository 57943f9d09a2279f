import { z } from 'zod';
import { withOwnerTx } from '../../db/tx.ts';
import { createWorkspace } from '../../workspaces/create.ts';
import { getWorkspace, updateWorkspace } from '../../workspaces/settings.ts';
import { workspaceRef } from '../authorize.ts';
import { procedure, router } from '../init.ts';

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
  create: procedure
    .input(z.object({ slug: slugSchema, name: nameSchema }))
    .mutation(async ({ ctx, input }) => {
      const user = ctx.auth.principal;
      if (user.kind !== 'user') throw new Error('unreachable: signed_in access admits users only');
      const ws = await withOwnerTx(ctx.services.db.owner, (client) =>
        createWorkspace(
          client,
          { slug: input.slug, name: input.name, ownerUserId: user.userId },
          { actor: ctx.auth.actor, requestId: ctx.requestId },
        ),
      );
      return { id: ws.id, slug: input.slug, name: input.name, role: 'owner' as const };
    }),

  /** The workspaces the caller belongs to, with their role in each. */
  mine: procedure.query(async ({ ctx }) => {
    const user = ctx.auth.principal;
    if (user.kind !== 'user') throw new Error('unreachable: signed_in access admits users only');
    const { rows } = await ctx.services.db.owner.query<{
      id: string;
      slug: string;
      name: string;
      role: string;
      expires_at: Date | null;
    }>(
      `SELECT w.id, w.slug, w.name, m.role, m.expires_at FROM memberships m JOIN workspaces w ON w.id = m.workspace_id
       WHERE m.user_id = $1 AND (m.expires_at IS NULL OR m.expires_at > $2) ORDER BY w.slug`,
      [user.userId, ctx.services.clock()],
    );
    return rows.map((r) => ({ id: r.id, slug: r.slug, name: r.name, role: r.role, expiresAt: r.expires_at }));
  }),

  get: procedure.input(z.object({ workspace: workspaceRef })).query(async ({ ctx }) => ({
    ...(await ctx.tx(getWorkspace)),
    myRole: ctx.auth.workspace?.role,
  })),

  update: procedure
    .input(
      z.object({ workspace: workspaceRef, name: nameSchema.optional(), settings: settingsSchema.optional() }),
    )
    .mutation(({ ctx, input }) =>
      ctx.tx((tx) => updateWorkspace(tx, { name: input.name, settings: input.settings })),
    ),
});
