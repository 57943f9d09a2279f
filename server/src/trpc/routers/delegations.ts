import { delegationInput, refineDelegationWindow } from '@vigilo/shared/change-inputs';
import { z } from 'zod';
import { createDelegation, listDelegations, removeDelegation } from '../../changes/delegations.ts';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';

/** Delegations of approvals while an approver is away (server/src/changes/delegations.ts). */
export const delegationsRouter = router({
  /** Delegations not yet over (all of them with `ended: true`). */
  list: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, ended: z.boolean().default(false) }))
    .query(({ ctx, input }) => ctx.tx((tx) => listDelegations(tx, ctx.services.clock(), input.ended))),

  create: workspaceProcedure
    .input(delegationInput.extend({ workspace: workspaceRef }).superRefine(refineDelegationWindow))
    .mutation(({ ctx, input: { workspace: _, ...delegation } }) =>
      ctx.tx((tx) =>
        createDelegation(
          tx,
          delegation,
          { actor: ctx.auth.actor, role: ctx.workspace.role },
          ctx.services.clock(),
        ),
      ),
    ),

  remove: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id: z.uuid('id must be a delegation id') }))
    .mutation(({ ctx, input }) =>
      ctx.tx((tx) => removeDelegation(tx, input.id, { actor: ctx.auth.actor, role: ctx.workspace.role })),
    ),
});
