import { escalationPolicyFields, routeKeySchema } from '@vigilo/shared/oncall';
import { z } from 'zod';
import { createPolicy, removePolicy, setRoute, updatePolicy } from '../../oncall/policy-actions.ts';
import { escalationOf, getPolicy, listPolicies, listRoutes, pagesFor } from '../../oncall/policy-views.ts';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';

const id = z.uuid('id must be an escalation policy id');

/** Escalation policies: who is paged, in what order, until someone acknowledges. */
export const escalationPoliciesRouter = router({
  list: workspaceProcedure
    .input(z.object({ workspace: workspaceRef }))
    .query(({ ctx }) => ctx.tx((tx) => listPolicies(tx))),

  get: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id }))
    .query(({ ctx, input }) => ctx.tx((tx) => getPolicy(tx, input.id))),

  create: workspaceProcedure
    .input(escalationPolicyFields.extend({ workspace: workspaceRef }))
    .mutation(({ ctx, input: { workspace: _, ...policy } }) =>
      ctx.tx((tx) => createPolicy(tx, { policy, actor: ctx.auth.actor, now: ctx.services.clock() })),
    ),

  update: workspaceProcedure
    .input(escalationPolicyFields.extend({ workspace: workspaceRef, id }))
    .mutation(({ ctx, input: { workspace: _, id: policyId, ...policy } }) =>
      ctx.tx((tx) => updatePolicy(tx, { id: policyId, policy, now: ctx.services.clock() })),
    ),

  remove: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id }))
    .mutation(({ ctx, input }) => ctx.tx((tx) => removePolicy(tx, input.id))),

  /** Where alert rules and host tags route: a policy and/or channels each. */
  routes: workspaceProcedure
    .input(z.object({ workspace: workspaceRef }))
    .query(({ ctx }) => ctx.tx((tx) => listRoutes(tx))),

  /**
   * Routes an alert rule (or every host with a tag) to a policy and to channels that receive its
   * alerts beside their own subscriptions; null and no channels removes the route.
   */
  route: workspaceProcedure
    .input(
      z
        .object({
          workspace: workspaceRef,
          policyId: z.uuid('policyId must be an escalation policy id').nullable(),
          channelIds: z
            .array(z.uuid('channelIds must hold channel ids'))
            .max(20, 'channelIds holds at most 20')
            .default([]),
        })
        .and(routeKeySchema),
    )
    .mutation(({ ctx, input }) =>
      ctx.tx((tx) =>
        setRoute(tx, {
          key: 'ruleId' in input ? { ruleId: input.ruleId } : { tag: input.tag },
          policyId: input.policyId,
          channelIds: input.channelIds,
          now: ctx.services.clock(),
        }),
      ),
    ),

  /** An alert's escalation (state, next step, every page), or null when it was not routed. */
  escalation: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, alertId: z.uuid('alertId must be an alert id') }))
    .query(({ ctx, input }) => ctx.tx((tx) => escalationOf(tx, input.alertId))),

  /** My latest pages (or one member's), newest first. */
  pages: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        userId: z.uuid('userId must be a user id').optional(),
        limit: z.number().int().min(1).max(200).default(50),
      }),
    )
    .query(({ ctx, input }) => ctx.tx((tx) => pagesFor(tx, input.userId ?? ctx.auth.actor.id, input.limit))),
});
