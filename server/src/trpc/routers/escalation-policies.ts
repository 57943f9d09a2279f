import { router } from '../init.ts';

/** Escalation policies: who is paged, in what order, until someone acknowledges. */
export const escalationPoliciesRouter = router({});
