import { z } from 'zod';
import { listAgents, revokeAgent } from '../../monitoring/agents/agent-records.ts';
import { createEnrollmentToken } from '../../monitoring/agents/enrollment-tokens.ts';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';

export const agentsRouter = router({
  list: workspaceProcedure
    .input(z.object({ workspace: workspaceRef }))
    .query(({ ctx }) => ctx.tx(listAgents)),

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
    .mutation(({ ctx, input }) => ctx.tx((tx) => revokeAgent(tx, input.id))),
});
