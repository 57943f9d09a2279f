import { z } from 'zod';
import {
  createRule,
  listRules,
  previewRule,
  removeRule,
  ruleBase,
  ruleFields,
  rulePreview,
  updateRule,
} from '../../monitoring/alerts/alert-rules.ts';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';

const ruleId = z.uuid('id must be a rule id');

export const alertRulesRouter = router({
  /** Every rule, with how many hosts it covers and fires for now, and its open alerts. */
  list: workspaceProcedure
    .input(z.object({ workspace: workspaceRef }))
    .query(({ ctx }) => ctx.tx((tx) => listRules(tx, ctx.services.clock()))),

  /** How many hosts a rule being written would cover and fire for now; stores nothing. */
  preview: workspaceProcedure
    .input(rulePreview.extend({ workspace: workspaceRef }))
    .query(({ ctx, input: { workspace: _, ...rule } }) =>
      ctx.tx((tx) => previewRule(tx, rule, ctx.services.clock())),
    ),

  /** Creates a rule and evaluates it at once against every host's current status. */
  create: workspaceProcedure
    .input(ruleFields.extend({ workspace: workspaceRef }))
    .mutation(({ ctx, input: { workspace: _, ...rule } }) =>
      ctx.tx((tx) => createRule(tx, rule, ctx.services.clock())),
    ),

  /** Changes a rule and evaluates it at once; disabling it resolves its open alerts. */
  update: workspaceProcedure
    .input(ruleBase.partial().extend({ workspace: workspaceRef, id: ruleId }))
    .mutation(({ ctx, input: { workspace: _, id, ...patch } }) =>
      ctx.tx((tx) => updateRule(tx, id, patch, ctx.services.clock())),
    ),

  /** Removes a rule with its alerts' history, its open alerts resolved first. */
  remove: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id: ruleId }))
    .mutation(({ ctx, input }) => ctx.tx((tx) => removeRule(tx, input.id, ctx.services.clock()))),
});
