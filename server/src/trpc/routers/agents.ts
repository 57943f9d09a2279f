import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { createEnrollmentToken } from '../../monitoring/agents/enrollment-tokens.ts';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';

export const agentsRouter = router({
  list: workspaceProcedure.input(z.object({ workspace: workspaceRef })).query(({ ctx }) =>
    ctx.tx(async (tx) => {
      const { rows } = await tx.query<{
        id: string;
        name: string;
        version: string | null;
        platform: string | null;
        address: string | null;
        enrolled_at: Date;
        last_seen_at: Date | null;
        revoked_at: Date | null;
        hosts: number;
      }>(
        `SELECT a.id, a.name, a.version, a.platform, a.address, a.enrolled_at, a.last_seen_at, a.revoked_at,
                (SELECT count(*) FROM hosts h WHERE h.agent_id = a.id)::int AS hosts
         FROM agents a ORDER BY a.name`,
      );
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        version: r.version,
        platform: r.platform,
        address: r.address,
        enrolledAt: r.enrolled_at,
        lastSeenAt: r.last_seen_at,
        revokedAt: r.revoked_at,
        hosts: r.hosts,
      }));
    }),
  ),

  /** A one-time token an agent exchanges for its credential (`vigilo-agent enroll`); shown once. */
  createEnrollmentToken: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        name: z.string().trim().min(1, 'name must not be empty').max(100),
        ttlHours: z
          .number()
          .int()
          .min(1)
          .max(24 * 30)
          .default(24),
      }),
    )
    .mutation(({ ctx, input }) =>
      ctx.tx((tx) =>
        createEnrollmentToken(tx, {
          name: input.name,
          expiresAt: new Date(ctx.services.clock().getTime() + input.ttlHours * 3_600_000),
          createdBy: ctx.auth.principal.kind === 'user' ? ctx.auth.principal.userId : null,
        }),
      ),
    ),

  /** Revokes an agent: its next call gets 401 and it stops; its hosts stay, unassigned. */
  revoke: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id: z.uuid('id must be an agent id') }))
    .mutation(({ ctx, input }) =>
      ctx.tx(async (tx) => {
        const { rows } = await tx.query<{ name: string }>(
          'UPDATE agents SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING name',
          [input.id],
        );
        if (!rows[0]) throw new TRPCError({ code: 'NOT_FOUND', message: 'no active agent with that id' });
        await tx.query('UPDATE hosts SET agent_id = NULL WHERE agent_id = $1', [input.id]);
        await tx.record({
          action: 'agent.revoked',
          target: { type: 'agent', id: input.id },
          summary: { before: { name: rows[0].name } },
          event: 'agent.revoked',
          payload: { agentId: input.id, name: rows[0].name },
        });
        return { id: input.id };
      }),
    ),
});
