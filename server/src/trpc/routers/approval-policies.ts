import { approvalPolicyCreateInput, approvalPolicyUpdateInput } from '@vigilo/shared/change-inputs';
import { z } from 'zod';
import { createPolicy, listPolicies, removePolicy, updatePolicy } from '../../changes/policies.ts';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';

/** Approval policies: which changes need whom (server/src/changes/policies.ts). */
export const approvalPoliciesRouter = router({
  list: workspaceProcedure
    .input(z.object({ workspace: workspaceRef }))
    .query(({ ctx }) => ctx.tx(listPolicies)),

  create: workspaceProcedure
    .input(approvalPolicyCreateInput.extend({ workspace: workspaceRef }))
    .mutation(({ ctx, input: { workspace: _, ...policy } }) =>
      ctx.tx((tx) => createPolicy(tx, policy, ctx.services.clock())),
    ),

  update: workspaceProcedure
    .input(approvalPolicyUpdateInput.extend({ workspace: workspaceRef }))
    .mutation(({ ctx, input: { workspace: _, ...patch } }) =>
      ctx.tx((tx) => updatePolicy(tx, patch, ctx.services.clock())),
    ),

  remove: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id: z.uuid('id must be a policy id') }))
    .mutation(({ ctx, input }) => ctx.tx((tx) => removePolicy(tx, input.id))),
});
