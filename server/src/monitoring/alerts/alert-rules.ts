import { AlertPredicate, AlertScope, AlertSeverity, inScope } from '@vigilo/shared/alert-rules';
import { z } from 'zod';
import { isUniqueViolation } from '../../db/pg-errors.ts';
import type { WorkspaceTx } from '../../db/tx.ts';
import { ActionRefused } from '../../domain-errors.ts';
import { deliverResolveBeforeRemoval, stopEscalation } from '../../oncall/escalation-engine.ts';
import { actorRef } from './alert-actions.ts';
import { evaluateRules } from './rule-engine.ts';
import { openAlertsByRule, ruleMatches, type RuleMatches } from './rule-matches.ts';

/**
 * Alert rules: what to alert on, where, how severe, after how many evaluations. Creating or
 * changing one evaluates every rule at once against each host's current status, so an alert it
 * implies opens without waiting for the next scan. Disabling or removing one resolves its open
 * alerts, since nothing would evaluate them again; enabling it again evaluates it like any edit.
 */

/** How many evaluations in a row a transition waits for, its message naming the field. */
const scanCount = (field: string) => {
  const words = `${field} must be a whole number from 1 to 100`;
  return z.number({ error: words }).int(words).min(1, words).max(100, words);
};

/** Rule fields without defaults: `.partial()` of this is a true patch (no silent resets). */
export const ruleBase = z.object({
  name: z.string().trim().min(1, 'name must not be empty').max(100),
  predicate: AlertPredicate,
  scope: AlertScope,
  severity: AlertSeverity,
  openAfter: scanCount('openAfter'),
  resolveAfter: scanCount('resolveAfter'),
  enabled: z.boolean(),
});
/** A new rule: unset fields take their defaults. */
export const ruleFields = ruleBase.extend({
  scope: ruleBase.shape.scope.default({ kind: 'all' }),
  openAfter: ruleBase.shape.openAfter.default(1),
  resolveAfter: ruleBase.shape.resolveAfter.default(1),
  enabled: ruleBase.shape.enabled.default(true),
});
export type RuleFields = z.infer<typeof ruleFields>;
export type RulePatch = Partial<z.infer<typeof ruleBase>>;

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

/**
 * The workspace's rules, by name, each with how many hosts it covers and fires for now
 * (`matches`) and its open alerts.
 */
export async function listRules(tx: WorkspaceTx, now: Date) {
  const rules = (await tx.query<RuleRow>('SELECT * FROM alert_rules ORDER BY name')).rows.map(present);
  const matches = await ruleMatches(tx, rules, now);
  const open = await openAlertsByRule(tx);
  return rules.map((r, i) => ({
    ...r,
    matches: matches[i] ?? { hosts: 0, firing: 0, unscanned: 0 },
    openAlerts: open.get(r.id) ?? 0,
  }));
}

/** A rule being written, before it is saved: how many hosts it would cover and fire for now. */
export const rulePreview = ruleBase.pick({ predicate: true, scope: true });

/** How many hosts a predicate and scope match now (see {@link ruleMatches}). */
export async function previewRule(
  tx: WorkspaceTx,
  rule: z.infer<typeof rulePreview>,
  now: Date,
): Promise<RuleMatches> {
  const [matches] = await ruleMatches(tx, [rule], now);
  return matches ?? { hosts: 0, firing: 0, unscanned: 0 };
}

/** Creates a rule and evaluates it at once; a taken name is a `conflict`. */
export async function createRule(tx: WorkspaceTx, r: RuleFields, now: Date) {
  const { rows } = await tx.query<RuleRow>(
    `INSERT INTO alert_rules (workspace_id, name, predicate, scope, severity, open_after, resolve_after, enabled)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (workspace_id, name) DO NOTHING RETURNING *`,
    [tx.workspaceId, r.name, r.predicate, r.scope, r.severity, r.openAfter, r.resolveAfter, r.enabled],
  );
  const rule = rows[0];
  if (!rule) throw nameTaken(r.name);
  await tx.record({
    action: 'alert_rule.created',
    target: { type: 'alert_rule', id: rule.id },
    summary: { after: present(rule) },
    event: 'alert_rule.created',
    payload: { id: rule.id, name: rule.name },
  });
  await evaluateRules(tx, { now });
  return present(rule);
}

/**
 * Changes the fields given; the rule starts counting afresh and is evaluated at once. Its open
 * alerts on hosts it no longer covers resolve, and all of them when it is disabled.
 */
export async function updateRule(tx: WorkspaceTx, id: string, patch: RulePatch, now: Date) {
  const before = await tx.query<RuleRow>('SELECT * FROM alert_rules WHERE id = $1 FOR UPDATE', [id]);
  const prev = before.rows[0];
  if (!prev) throw noRule();
  const name = patch.name ?? prev.name;
  const { rows } = await tx
    .query<RuleRow>(
      `UPDATE alert_rules SET name = $2, predicate = $3, scope = $4, severity = $5, open_after = $6, resolve_after = $7,
       enabled = $8, updated_at = now() WHERE id = $1 RETURNING *`,
      [
        id,
        name,
        patch.predicate ?? prev.predicate,
        patch.scope ?? prev.scope,
        patch.severity ?? prev.severity,
        patch.openAfter ?? prev.open_after,
        patch.resolveAfter ?? prev.resolve_after,
        patch.enabled ?? prev.enabled,
      ],
    )
    .catch((err: unknown) => {
      if (!isUniqueViolation(err)) throw err;
      throw nameTaken(name, err);
    });
  const rule = rows[0] as RuleRow;
  // A changed predicate starts counting afresh.
  await tx.query('DELETE FROM rule_states WHERE rule_id = $1', [id]);
  // A disabled rule is evaluated no more: its open alerts resolve now. Enabled again, it is
  // evaluated below like any edited rule, and at every ingest after.
  await resolveRuleAlerts(
    tx,
    present(rule),
    now,
    rule.enabled ? "no longer in the rule's scope" : 'rule disabled',
  );
  await tx.record({
    action: 'alert_rule.updated',
    target: { type: 'alert_rule', id },
    summary: { before: present(prev), after: present(rule) },
    event: 'alert_rule.updated',
    payload: { id, name: rule.name },
  });
  await evaluateRules(tx, { now });
  return present(rule);
}

/** Why a rule's open alerts resolve although their condition was never seen to clear. */
type EndReason = "no longer in the rule's scope" | 'rule disabled' | 'rule removed';

/**
 * Resolves the open alerts of a rule that the engine will no longer evaluate — those on hosts its
 * (new) scope leaves out, or all of them once it is disabled or about to be removed: nothing else
 * would ever resolve them. Each as the rule engine resolves one (the `alert.resolved` audit row and
 * event, `summary` saying why, which the alert's audit timeline shows), and its escalation stops
 * in the same transaction, so nobody is paged for it on the next timer.
 */
async function resolveRuleAlerts(
  tx: WorkspaceTx,
  rule: ReturnType<typeof present>,
  now: Date,
  reason: EndReason,
): Promise<void> {
  const { rows } = await tx.query<{
    id: string;
    host_id: string;
    hostname: string;
    port: number;
    tags: string[];
  }>(
    `SELECT a.id, a.host_id, h.hostname, h.port, h.tags FROM alerts a JOIN hosts h ON h.id = a.host_id
     WHERE a.rule_id = $1 AND a.state = 'open' ORDER BY a.id FOR UPDATE OF a`,
    [rule.id],
  );
  const engine = tx.as(RULE_ENGINE);
  for (const alert of rows) {
    if (
      reason === "no longer in the rule's scope" &&
      inScope(rule.scope, { id: alert.host_id, tags: alert.tags })
    )
      continue;
    await tx.query("UPDATE alerts SET state = 'resolved', resolved_at = $2 WHERE id = $1", [alert.id, now]);
    const subject = {
      alertRule: rule.name,
      hostId: alert.host_id,
      hostname: alert.hostname,
      port: alert.port,
      severity: rule.severity,
    };
    await engine.record({
      action: 'alert.resolved',
      target: { type: 'alert', id: alert.id },
      summary: { after: { ...subject, summary: reason } },
      event: 'alert.resolved',
      payload: { alertId: alert.id, ruleId: rule.id, ...subject, summary: reason },
    });
    // Must follow the record at once: it delivers the workspace head's event, the resolve.
    if (reason === 'rule removed') await deliverResolveBeforeRemoval(engine, alert.id);
    await stopEscalation(engine, { alertId: alert.id, state: 'resolved', by: actorRef(RULE_ENGINE), now });
  }
}

/**
 * Removes a rule with its alerts' history. Its open alerts are resolved first (see
 * {@link resolveRuleAlerts}): their audit rows, events and escalation stops outlive the rows the
 * removal deletes, and channels that heard an alert open hear it resolve.
 */
export async function removeRule(tx: WorkspaceTx, id: string, now: Date): Promise<{ id: string }> {
  const found = await tx.query<RuleRow>('SELECT * FROM alert_rules WHERE id = $1 FOR UPDATE', [id]);
  const prev = found.rows[0];
  if (!prev) throw noRule();
  await resolveRuleAlerts(tx, present(prev), now, 'rule removed');
  await tx.query('DELETE FROM alert_rules WHERE id = $1', [id]);
  await tx.record({
    action: 'alert_rule.removed',
    target: { type: 'alert_rule', id },
    summary: { before: present(prev) },
    event: 'alert_rule.removed',
    payload: { id, name: prev.name },
  });
  return { id };
}

const RULE_ENGINE = { type: 'system', id: 'rule-engine' } as const;
const noRule = () => new ActionRefused('not_found', 'no rule with that id');
const nameTaken = (name: string, cause?: unknown) =>
  new ActionRefused('conflict', `a rule named "${name}" exists`, { cause });
