import { TRPCError } from '@trpc/server';
import { instant } from '@vigilo/shared/safe-input';
import { roleAtMost, workspaceRoleSchema, type WorkspaceRole } from '@vigilo/shared/roles';
import { z } from 'zod';
import { workspaceRef } from '../authorize.ts';
import type { Context } from '../context.ts';
import { procedure, router } from '../init.ts';

const memberInput = z
  .object({
    workspace: workspaceRef,
    email: z.email('email must be an email address'),
    role: workspaceRoleSchema,
    /** Required for the auditor role, which ends by itself. */
    expiresAt: instant('expiresAt').optional(),
  })
  .refine((m) => m.role !== 'auditor' || m.expiresAt !== undefined, {
    message: 'the auditor role is time-boxed: give expiresAt',
    path: ['expiresAt'],
  });

/** Users are global: finding one by email is a directory lookup, outside the workspace. */
async function findUserByEmail(ctx: Context, email: string): Promise<string> {
  const { rows } = await ctx.services.db.owner.query<{ id: string }>(
    'SELECT id FROM users WHERE lower(email) = lower($1) ORDER BY created_at LIMIT 1',
    [email],
  );
  const user = rows[0];
  if (!user)
    throw new TRPCError({ code: 'NOT_FOUND', message: `no user with email ${email} has signed in yet` });
  return user.id;
}

function assertCanGrant(granter: WorkspaceRole | undefined, role: WorkspaceRole): void {
  if (!granter || !roleAtMost(role, granter)) {
    throw new TRPCError({ code: 'FORBIDDEN', message: `your role ${granter} cannot grant the role ${role}` });
  }
}

export const membersRouter = router({
  list: procedure.input(z.object({ workspace: workspaceRef })).query(({ ctx }) =>
    ctx.tx(async (tx) => {
      const { rows } = await tx.query<{
        user_id: string;
        email: string | null;
        name: string | null;
        role: string;
        expires_at: Date | null;
      }>(
        `SELECT m.user_id, u.email, u.name, m.role, m.expires_at FROM memberships m JOIN users u ON u.id = m.user_id
         ORDER BY u.email`,
      );
      return rows.map((r) => ({
        userId: r.user_id,
        email: r.email,
        name: r.name,
        role: r.role,
        expiresAt: r.expires_at,
      }));
    }),
  ),

  add: procedure.input(memberInput).mutation(async ({ ctx, input }) => {
    assertCanGrant(ctx.auth.workspace?.role, input.role);
    const userId = await findUserByEmail(ctx, input.email);
    return ctx.tx(async (tx) => {
      const { rowCount } = await tx.query(
        `INSERT INTO memberships (workspace_id, user_id, role, expires_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING`,
        [tx.workspaceId, userId, input.role, input.expiresAt ?? null],
      );
      if (rowCount === 0)
        throw new TRPCError({ code: 'CONFLICT', message: `${input.email} is already a member` });
      await tx.record({
        action: 'member.added',
        target: { type: 'user', id: userId },
        summary: { after: { role: input.role, expiresAt: input.expiresAt ?? null } },
        event: 'member.added',
        payload: { userId, role: input.role },
      });
      return { userId, role: input.role };
    });
  }),

  setRole: procedure.input(memberInput).mutation(async ({ ctx, input }) => {
    assertCanGrant(ctx.auth.workspace?.role, input.role);
    const userId = await findUserByEmail(ctx, input.email);
    return ctx.tx(async (tx) => {
      const before = await tx.query<{ role: WorkspaceRole; expires_at: Date | null }>(
        'SELECT role, expires_at FROM memberships WHERE user_id = $1 FOR UPDATE',
        [userId],
      );
      const prev = before.rows[0];
      if (!prev) throw new TRPCError({ code: 'NOT_FOUND', message: `${input.email} is not a member` });
      assertCanGrant(ctx.auth.workspace?.role, prev.role);
      await assertOwnerRemains((text, values) => tx.query(text, values), userId, input.role);
      await tx.query('UPDATE memberships SET role = $2, expires_at = $3 WHERE user_id = $1', [
        userId,
        input.role,
        input.expiresAt ?? null,
      ]);
      await tx.record({
        action: 'member.role_changed',
        target: { type: 'user', id: userId },
        summary: {
          before: { role: prev.role, expiresAt: prev.expires_at },
          after: { role: input.role, expiresAt: input.expiresAt ?? null },
        },
        event: 'member.role_changed',
        payload: { userId, role: input.role },
      });
      return { userId, role: input.role };
    });
  }),

  remove: procedure
    .input(z.object({ workspace: workspaceRef, email: z.email('email must be an email address') }))
    .mutation(async ({ ctx, input }) => {
      const userId = await findUserByEmail(ctx, input.email);
      return ctx.tx(async (tx) => {
        const before = await tx.query<{ role: WorkspaceRole }>(
          'SELECT role FROM memberships WHERE user_id = $1 FOR UPDATE',
          [userId],
        );
        const prev = before.rows[0];
        if (!prev) throw new TRPCError({ code: 'NOT_FOUND', message: `${input.email} is not a member` });
        assertCanGrant(ctx.auth.workspace?.role, prev.role);
        await assertOwnerRemains((text, values) => tx.query(text, values), userId, undefined);
        await tx.query('DELETE FROM memberships WHERE user_id = $1', [userId]);
        await tx.record({
          action: 'member.removed',
          target: { type: 'user', id: userId },
          summary: { before: { role: prev.role } },
          event: 'member.removed',
          payload: { userId },
        });
        return { userId };
      });
    }),
});

/** A workspace always keeps at least one owner. */
async function assertOwnerRemains(
  query: (text: string, values?: unknown[]) => Promise<{ rows: Array<{ n: number }> }>,
  userId: string,
  newRole: WorkspaceRole | undefined,
): Promise<void> {
  if (newRole === 'owner') return;
  const { rows } = await query(
    "SELECT count(*)::int AS n FROM memberships WHERE role = 'owner' AND user_id <> $1",
    [userId],
  );
  if ((rows[0]?.n ?? 0) === 0) {
    const current = await query(
      "SELECT count(*)::int AS n FROM memberships WHERE role = 'owner' AND user_id = $1",
      [userId],
    );
    if ((current.rows[0]?.n ?? 0) > 0) {
      throw new TRPCError({ code: 'CONFLICT', message: 'a workspace must keep at least one owner' });
    }
  }
}
