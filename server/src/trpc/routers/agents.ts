import { z } from 'zod';
import { listAgents, revokeAgent } from '../../monitoring/agents/agent-records.ts';
import { setDefaultAgent } from '../../monitoring/agents/default-agent.ts';
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

  /**
   * Sets the workspace's default agent, which takes the hosts added without one (null clears it:
   * then a workspace with exactly one agent still gives new hosts that one).
   */
  setDefault: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, agentId: z.uuid('agentId must be an agent id').nullable() }))
    .mutation(({ ctx, input }) => ctx.tx((tx) => setDefaultAgent(tx, input.agentId))),

  /**
   * Revokes an agent: its next call gets 401 and it stops. Its hosts go to the default agent (or
   * the only one left); with none, they stay unassigned and the answer says how many.
   */
  revoke: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id: z.uuid('id must be an agent id') }))
    .mutation(({ ctx, input }) => ctx.tx((tx) => revokeAgent(tx, input.id))),
});
