import { decideApproval } from '../../changes/approval-decide.ts';
import type { KindHandlers } from '../mutation-def.ts';

/**
 * The desktop's approval decisions: the same function as `approvals.decide`, so a decision on a
 * change that moved on comes back as a conflict in the same words ("Alice approved it first").
 */
export const approvalKinds = {
  'approval.decide': async (tx, args, actor, now) => {
    const outcome = await decideApproval(tx, args, actor, now);
    return { ...outcome };
  },
} satisfies Partial<KindHandlers>;
