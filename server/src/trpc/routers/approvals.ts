import { approvalDecisionInput } from '@vigilo/shared/change-inputs';
import { z } from 'zod';
import { decideApproval } from '../../changes/approval-decide.ts';
import { myApprovals } from '../../changes/approval-queue.ts';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';

/** Approvals: what waits on me, and my decisions (the outbox's approval.decide calls the same). */
export const approvalsRouter = router({
  /** Every open request waiting on me, as an approver or as the delegate of one. */
  mine: workspaceProcedure
    .input(z.object({ workspace: workspaceRef }))
    .query(({ ctx }) => ctx.tx((tx) => myApprovals(tx, ctx.auth.actor, ctx.services.clock()))),

  /** Approves or rejects one request; a change that moved on is a CONFLICT saying how. */
  decide: workspaceProcedure
    .input(approvalDecisionInput.extend({ workspace: workspaceRef }))
    .mutation(({ ctx, input: { workspace: _, ...decision } }) =>
      ctx.tx((tx) => decideApproval(tx, decision, ctx.auth.actor, ctx.services.clock())),
    ),
});
