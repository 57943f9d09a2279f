import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { makeTx } from '../../db/workspace-tx.ts';
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
      const client = await ctx.services.db.owner.connect();
      try {
        await client.query('BEGIN');
        const { rows } = await client.query<{ id: string; created_at: Date }>(
          'INSERT INTO workspaces (slug, name) VALUES ($1, $2) ON CONFLICT (slug) DO NOTHING RETURNING id, created_at',
          [input.slug, input.name],
        );
        const ws = rows[0];
        if (!ws) throw new TRPCError({ code: 'CONFLICT', message: `the slug "${input.slug}" is taken` });
        await client.query("INSERT INTO memberships (workspace_id, user_id, role) VALUES ($1, $2, 'owner')", [
          ws.id,
          user.userId,
        ]);
        const tx = makeTx(client, ws.id, { actor: ctx.auth.actor, requestId: ctx.requestId });
        await tx.record({
          action: 'workspace.created',
          target: { type: 'workspace', id: ws.id },
          summary: { after: { slug: input.slug, name: input.name, owner: user.userId } },
          event: 'workspace.created',
          payload: { id: ws.id, slug: input.slug, name: input.name },
        });
        await client.query('COMMIT');
        return { id: ws.id, slug: input.slug, name: input.name, role: 'owner' as const };
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      } finally {
        client.release();
      }
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

  get: procedure.input(z.object({ workspace: workspaceRef })).query(({ ctx }) =>
    ctx.tx(async (tx) => {
      const { rows } = await tx.query<{
        id: string;
        slug: string;
        name: string;
        settings: unknown;
        created_at: Date;
      }>('SELECT id, slug, name, settings, created_at FROM workspaces');
      const ws = rows[0];
      if (!ws) throw new TRPCError({ code: 'NOT_FOUND', message: 'workspace not found' });
      return {
        id: ws.id,
        slug: ws.slug,
        name: ws.name,
        settings: ws.settings,
        createdAt: ws.created_at,
        myRole: ctx.auth.workspace?.role,
      };
    }),
  ),

  update: procedure
    .input(
      z.object({ workspace: workspaceRef, name: nameSchema.optional(), settings: settingsSchema.optional() }),
    )
    .mutation(({ ctx, input }) =>
      ctx.tx(async (tx) => {
        const before = await tx.query<{ name: string; settings: Record<string, unknown> }>(
          'SELECT name, settings FROM workspaces FOR UPDATE',
        );
        const prev = before.rows[0];
        if (!prev) throw new TRPCError({ code: 'NOT_FOUND', message: 'workspace not found' });
        const next = { name: input.name ?? prev.name, settings: input.settings ?? prev.settings };
        await tx.query('UPDATE workspaces SET name = $1, settings = $2', [next.name, next.settings]);
        await tx.record({
          action: 'workspace.updated',
          target: { type: 'workspace', id: tx.workspaceId },
          summary: { before: prev, after: next },
          event: 'workspace.updated',
          payload: { id: tx.workspaceId, name: next.name },
        });
        return next;
      }),
    ),
});
