import { TRPCError } from '@trpc/server';
import { AlertPredicate, AlertScope, AlertSeverity } from '@vigilo/shared/alert-rules';
import { z } from 'zod';
import { isUniqueViolation } from '../../db/pg-errors.ts';
import { evaluateRules } from '../../monitoring/alerts/rule-engine.ts';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';

/** Rule fields without defaults: `.partial()` of this is a true patch (no silent resets). */
const ruleBase = z.object({
  name: z.string().trim().min(1, 'name must not be empty').max(100),
  predicate: AlertPredicate,
  scope: AlertScope,
  severity: AlertSeverity,
  openAfter: z.number().int().min(1).max(100),
  resolveAfter: z.number().int().min(1).max(100),
  enabled: z.boolean(),
});
const ruleFields = ruleBase.extend({
  scope: ruleBase.shape.scope.default({ kind: 'all' }),
  openAfter: ruleBase.shape.openAfter.default(1),
  resolveAfter: ruleBase.shape.resolveAfter.default(1),
  enabled: ruleBase.shape.enabled.default(true),
});

type RuleRow = {
  id: string;
  name: string;
  predicate: unknown;
  scope: unknown;
  severity: string;
  open_after: number;
  resolve_after: number;
  enabled: boolean;
};
const present = (r: RuleRow) => ({
  id: r.id,
  name: r.name,
  predicate: r.predicate as AlertPredicate,
  scope: r.scope as AlertScope,
  severity: r.severity,
  openAfter: r.open_after,
  resolveAfter: r.resolve_after,
  enabled: r.enabled,
});

export const alertRulesRouter = router({
  list: workspaceProcedure
    .input(z.object({ workspace: workspaceRef }))
    .query(({ ctx }) =>
      ctx.tx(async (tx) =>
        (await tx.query<RuleRow>('SELECT * FROM alert_rules ORDER BY name')).rows.map(present),
      ),
    ),

  /** Creates a rule and evaluates it at once against every host's current status. */
  create: workspaceProcedure
    .input(ruleFields.extend({ workspace: workspaceRef }))
    .mutation(({ ctx, input }) =>
      ctx.tx(async (tx) => {
        const { rows } = await tx.query<RuleRow>(
          `INSERT INTO alert_rules (workspace_id, name, predicate, scope, severity, open_after, resolve_after, enabled)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (workspace_id, name) DO NOTHING RETURNING *`,
          [
            tx.workspaceId,
            input.name,
            input.predicate,
            input.scope,
            input.severity,
            input.openAfter,
            input.resolveAfter,
            input.enabled,
          ],
        );
        const rule = rows[0];
        if (!rule) throw new TRPCError({ code: 'CONFLICT', message: `a rule named "${input.name}" exists` });
        await tx.record({
          action: 'alert_rule.created',
          target: { type: 'alert_rule', id: rule.id },
          summary: { after: present(rule) },
          event: 'alert_rule.created',
          payload: { id: rule.id, name: rule.name },
        });
        await evaluateRules(tx, { now: ctx.services.clock() });
        return present(rule);
      }),
    ),

  update: workspaceProcedure
    .input(ruleBase.partial().extend({ workspace: workspaceRef, id: z.uuid('id must be a rule id') }))
    .mutation(({ ctx, input }) =>
      ctx.tx(async (tx) => {
        const before = await tx.query<RuleRow>('SELECT * FROM alert_rules WHERE id = $1 FOR UPDATE', [
          input.id,
        ]);
        const prev = before.rows[0];
        if (!prev) throw new TRPCError({ code: 'NOT_FOUND', message: 'no rule with that id' });
        const name = input.name ?? prev.name;
        const { rows } = await tx
          .query<RuleRow>(
            `UPDATE alert_rules SET name = $2, predicate = $3, scope = $4, severity = $5, open_after = $6, resolve_after = $7,
             enabled = $8, updated_at = now() WHERE id = $1 RETURNING *`,
            [
              input.id,
              name,
              input.predicate ?? prev.predicate,
              input.scope ?? prev.scope,
              input.severity ?? prev.severity,
              input.openAfter ?? prev.open_after,
              input.resolveAfter ?? prev.resolve_after,
              input.enabled ?? prev.enabled,
            ],
          )
          .catch((err: unknown) => {
            if (!isUniqueViolation(err)) throw err;
            throw new TRPCError({ code: 'CONFLICT', message: `a rule named "${name}" exists`, cause: err });
          });
        const rule = rows[0] as RuleRow;
        // A changed predicate starts counting afresh.
        await tx.query('DELETE FROM rule_states WHERE rule_id = $1', [input.id]);
        await tx.record({
          action: 'alert_rule.updated',
          target: { type: 'alert_rule', id: input.id },
          summary: { before: present(prev), after: present(rule) },
          event: 'alert_rule.updated',
          payload: { id: input.id, name: rule.name },
        });
        await evaluateRules(tx, { now: ctx.services.clock() });
        return present(rule);
      }),
    ),

  remove: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id: z.uuid('id must be a rule id') }))
    .mutation(({ ctx, input }) =>
      ctx.tx(async (tx) => {
        const { rows } = await tx.query<RuleRow>('DELETE FROM alert_rules WHERE id = $1 RETURNING *', [
          input.id,
        ]);
        if (!rows[0]) throw new TRPCError({ code: 'NOT_FOUND', message: 'no rule with that id' });
        await tx.record({
          action: 'alert_rule.removed',
          target: { type: 'alert_rule', id: input.id },
          summary: { before: present(rows[0]) },
          event: 'alert_rule.removed',
          payload: { id: input.id, name: rows[0].name },
        });
        return { id: input.id };
      }),
    ),
});
