import type { EscalationPolicyInput, EscalationTarget } from '@vigilo/shared/oncall';
import type { Actor, WorkspaceTx } from '../db/tx.ts';
import { ActionRefused, invalidField } from '../domain-errors.ts';
import { actorRef } from '../monitoring/alerts/alert-actions.ts';
import { requireMember } from '../workspaces/member-check.ts';

/**
 * Escalation policies and the routes to them, written once for the `escalationPolicies.*`
 * procedures. Every target a step names is checked in the workspace transaction (row security
 * makes another workspace's schedule look like none), so a policy never stores a dangling target.
 */

/** Refuses a step target that is not this workspace's, naming the field. */
async function checkTarget(tx: WorkspaceTx, t: EscalationTarget, path: Array<string | number>, now: Date) {
  switch (t.kind) {
    case 'schedule': {
      const found = await tx.query('SELECT 1 FROM schedules WHERE id = $1 FOR SHARE', [t.scheduleId]);
      if (!found.rowCount) throw invalidField([...path, 'scheduleId'], 'no such schedule in this workspace');
      return;
    }
    case 'members':
      for (const [i, userId] of t.userIds.entries())
        await requireMember(tx, { userId, field: [...path, 'userIds', i], now, permission: 'read' });
      return;
    case 'channel': {
      const found = await tx.query('SELECT 1 FROM channels WHERE id = $1 FOR SHARE', [t.channelId]);
      if (!found.rowCount) throw invalidField([...path, 'channelId'], 'no such channel in this workspace');
      return;
    }
    default: {
      const never: never = t;
      throw new Error(`unknown escalation target ${JSON.stringify(never)}`);
    }
  }
}

async function checkSteps(tx: WorkspaceTx, input: EscalationPolicyInput, now: Date) {
  for (const [i, step] of input.steps.entries())
    for (const [j, target] of step.targets.entries())
      await checkTarget(tx, target, ['steps', i, 'targets', j], now);
}

/** Creates a policy. */
export async function createPolicy(
  tx: WorkspaceTx,
  input: { policy: EscalationPolicyInput; actor: Actor; now: Date },
): Promise<{ id: string }> {
  await checkSteps(tx, input.policy, input.now);
  const p = input.policy;
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO escalation_policies (workspace_id, name, description, steps, repeat_count, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (workspace_id, name) DO NOTHING RETURNING id`,
    [tx.workspaceId, p.name, p.description, JSON.stringify(p.steps), p.repeatCount, input.now],
  );
  const id = rows[0]?.id;
  if (!id) throw invalidField(['name'], 'is already used by another escalation policy');
  await tx.record({
    action: 'escalation_policy.created',
    target: { type: 'escalation_policy', id },
    summary: { after: { name: p.name, steps: p.steps, repeatCount: p.repeatCount } },
    event: 'escalation_policy.created',
    payload: { policyId: id, name: p.name, by: actorRef(input.actor) },
  });
  return { id };
}

/** Replaces a policy's name, steps and repeat count. Escalations in flight keep their copy. */
export async function updatePolicy(
  tx: WorkspaceTx,
  input: { id: string; policy: EscalationPolicyInput; now: Date },
): Promise<{ id: string }> {
  const before = await tx.query<{ name: string; steps: unknown; repeat_count: number }>(
    'SELECT name, steps, repeat_count FROM escalation_policies WHERE id = $1 FOR UPDATE',
    [input.id],
  );
  const old = before.rows[0];
  if (!old) throw new ActionRefused('not_found', 'id: no such escalation policy in this workspace');
  const p = input.policy;
  const clash = await tx.query('SELECT 1 FROM escalation_policies WHERE name = $1 AND id <> $2', [
    p.name,
    input.id,
  ]);
  if (clash.rowCount) throw invalidField(['name'], 'is already used by another escalation policy');
  await checkSteps(tx, p, input.now);
  await tx.query(
    `UPDATE escalation_policies SET name = $2, description = $3, steps = $4, repeat_count = $5, updated_at = $6 WHERE id = $1`,
    [input.id, p.name, p.description, JSON.stringify(p.steps), p.repeatCount, input.now],
  );
  await tx.record({
    action: 'escalation_policy.updated',
    target: { type: 'escalation_policy', id: input.id },
    summary: {
      before: { name: old.name, steps: old.steps, repeatCount: old.repeat_count },
      after: { name: p.name, steps: p.steps, repeatCount: p.repeatCount },
    },
    event: 'escalation_policy.updated',
    payload: { policyId: input.id, name: p.name },
  });
  return { id: input.id };
}

/**
 * Removes a policy; routes to it keep their channels and lose the policy, and SLOs naming it lose
 * it too (migration 0025), their alerts routed by tag from then on.
 */
export async function removePolicy(tx: WorkspaceTx, id: string): Promise<{ id: string }> {
  const { rows } = await tx.query<{ name: string }>(
    'DELETE FROM escalation_policies WHERE id = $1 RETURNING name',
    [id],
  );
  const name = rows[0]?.name;
  if (name === undefined)
    throw new ActionRefused('not_found', 'id: no such escalation policy in this workspace');
  await tx.record({
    action: 'escalation_policy.removed',
    target: { type: 'escalation_policy', id },
    summary: { before: { name } },
    event: 'escalation_policy.removed',
    payload: { policyId: id, name },
  });
  return { id };
}

/**
 * Routes an alert rule, or every host with a tag, to a policy and/or channels. A route with
 * neither is removed. Alerts opened from then on follow it.
 */
export async function setRoute(
  tx: WorkspaceTx,
  input: {
    key: { ruleId: string } | { tag: string };
    policyId: string | null;
    channelIds: string[];
    now: Date;
  },
): Promise<{ id: string | null }> {
  const ruleId = 'ruleId' in input.key ? input.key.ruleId : null;
  const tag = 'tag' in input.key ? input.key.tag : null;
  if (ruleId) {
    const rule = await tx.query('SELECT 1 FROM alert_rules WHERE id = $1 FOR SHARE', [ruleId]);
    if (!rule.rowCount) throw invalidField(['ruleId'], 'no such alert rule in this workspace');
  }
  if (input.policyId) {
    const p = await tx.query('SELECT 1 FROM escalation_policies WHERE id = $1 FOR SHARE', [input.policyId]);
    if (!p.rowCount) throw invalidField(['policyId'], 'no such escalation policy in this workspace');
  }
  const channelIds = [...new Set(input.channelIds)];
  for (const [i, channelId] of channelIds.entries()) {
    const c = await tx.query('SELECT 1 FROM channels WHERE id = $1 FOR SHARE', [channelId]);
    if (!c.rowCount) throw invalidField(['channelIds', i], 'no such channel in this workspace');
  }
  const before = await tx.query<{ id: string; policy_id: string | null; channel_ids: string[] }>(
    `SELECT id, policy_id, channel_ids::text[] AS channel_ids FROM alert_routes
     WHERE ${ruleId ? 'rule_id = $1' : 'tag = $1'} FOR UPDATE`,
    [ruleId ?? tag],
  );
  const old = before.rows[0];
  let id: string | null;
  if (input.policyId === null && channelIds.length === 0) {
    if (old) await tx.query('DELETE FROM alert_routes WHERE id = $1', [old.id]);
    id = null;
  } else if (old) {
    await tx.query(
      'UPDATE alert_routes SET policy_id = $2, channel_ids = $3, updated_at = $4 WHERE id = $1',
      [old.id, input.policyId, channelIds, input.now],
    );
    id = old.id;
  } else {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO alert_routes (workspace_id, rule_id, tag, policy_id, channel_ids, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [tx.workspaceId, ruleId, tag, input.policyId, channelIds, input.now],
    );
    id = rows[0]?.id ?? null;
  }
  const subject = ruleId ? { ruleId } : { tag };
  await tx.record({
    action: 'alert_route.updated',
    target: ruleId ? { type: 'alert_rule', id: ruleId } : { type: 'tag', id: tag ?? '' },
    summary: {
      before: old ? { policyId: old.policy_id, channelIds: old.channel_ids } : null,
      after: { policyId: input.policyId, channelIds },
    },
    event: 'alert_route.updated',
    payload: { routeId: id, ...subject, policyId: input.policyId, channelIds },
  });
  return { id };
}
