import { type EscalationStep, escalationStepSchema, type EscalationState } from '@vigilo/shared/oncall';
import { z } from 'zod';
import type { WorkspaceTx } from '../db/tx.ts';
import { ActionRefused } from '../domain-errors.ts';

/** Reading escalation policies, routes, an alert's escalation and someone's pages. */

export type PolicyView = {
  id: string;
  name: string;
  description: string;
  steps: EscalationStep[];
  repeatCount: number;
  updatedAt: Date;
};
export type RouteView = {
  id: string;
  ruleId: string | null;
  tag: string | null;
  policyId: string | null;
  channelIds: string[];
};
export type PageView = {
  id: string;
  alertId: string;
  escalationId: string;
  step: number;
  round: number;
  userId: string | null;
  channelId: string | null;
  scheduleId: string | null;
  summary: string;
  pagedAt: Date;
};
export type EscalationView = {
  id: string;
  alertId: string;
  policyId: string | null;
  policyName: string;
  state: EscalationState;
  nextStep: number;
  round: number;
  nextFireAt: Date | null;
  startedAt: Date;
  stoppedAt: Date | null;
  stoppedBy: string | null;
  pages: PageView[];
};

const stepsSchema = z.array(escalationStepSchema);

type PolicyRow = {
  id: string;
  name: string;
  description: string;
  steps: unknown;
  repeat_count: number;
  updated_at: Date;
};
const toPolicy = (r: PolicyRow): PolicyView => ({
  id: r.id,
  name: r.name,
  description: r.description,
  steps: stepsSchema.parse(r.steps),
  repeatCount: r.repeat_count,
  updatedAt: r.updated_at,
});

export async function listPolicies(tx: WorkspaceTx): Promise<PolicyView[]> {
  const { rows } = await tx.query<PolicyRow>(
    'SELECT id, name, description, steps, repeat_count, updated_at FROM escalation_policies ORDER BY name',
  );
  return rows.map(toPolicy);
}

export async function getPolicy(tx: WorkspaceTx, id: string): Promise<PolicyView> {
  const { rows } = await tx.query<PolicyRow>(
    'SELECT id, name, description, steps, repeat_count, updated_at FROM escalation_policies WHERE id = $1',
    [id],
  );
  const row = rows[0];
  if (!row) throw new ActionRefused('not_found', 'id: no such escalation policy in this workspace');
  return toPolicy(row);
}

export async function listRoutes(tx: WorkspaceTx): Promise<RouteView[]> {
  const { rows } = await tx.query<{
    id: string;
    rule_id: string | null;
    tag: string | null;
    policy_id: string | null;
    channel_ids: string[];
  }>(
    'SELECT id, rule_id, tag, policy_id, channel_ids::text[] AS channel_ids FROM alert_routes ORDER BY tag NULLS FIRST, rule_id',
  );
  return rows.map((r) => ({
    id: r.id,
    ruleId: r.rule_id,
    tag: r.tag,
    policyId: r.policy_id,
    channelIds: r.channel_ids,
  }));
}

type PageRow = {
  id: string;
  alert_id: string;
  escalation_id: string;
  step: number;
  round: number;
  user_id: string | null;
  channel_id: string | null;
  schedule_id: string | null;
  summary: string;
  paged_at: Date;
};
const toPage = (r: PageRow): PageView => ({
  id: r.id,
  alertId: r.alert_id,
  escalationId: r.escalation_id,
  step: r.step,
  round: r.round,
  userId: r.user_id,
  channelId: r.channel_id,
  scheduleId: r.schedule_id,
  summary: r.summary,
  pagedAt: r.paged_at,
});
const PAGE_COLUMNS =
  'id, alert_id, escalation_id, step, round, user_id, channel_id, schedule_id, summary, paged_at';

/** An alert's escalation with every page, or null when the alert was not routed to a policy. */
export async function escalationOf(tx: WorkspaceTx, alertId: string): Promise<EscalationView | null> {
  const { rows } = await tx.query<{
    id: string;
    alert_id: string;
    policy_id: string | null;
    policy_name: string;
    state: EscalationState;
    next_step: number;
    round: number;
    next_fire_at: Date | null;
    started_at: Date;
    stopped_at: Date | null;
    stopped_by: string | null;
  }>(
    `SELECT id, alert_id, policy_id, policy_name, state, next_step, round, next_fire_at, started_at, stopped_at, stopped_by
     FROM escalations WHERE alert_id = $1`,
    [alertId],
  );
  const e = rows[0];
  if (!e) return null;
  const pages = await tx.query<PageRow>(
    `SELECT ${PAGE_COLUMNS} FROM escalation_pages WHERE escalation_id = $1 ORDER BY paged_at, id`,
    [e.id],
  );
  return {
    id: e.id,
    alertId: e.alert_id,
    policyId: e.policy_id,
    policyName: e.policy_name,
    state: e.state,
    nextStep: e.next_step,
    round: e.round,
    nextFireAt: e.next_fire_at,
    startedAt: e.started_at,
    stoppedAt: e.stopped_at,
    stoppedBy: e.stopped_by,
    pages: pages.rows.map(toPage),
  };
}

/** The latest pages of one person, newest first. */
export async function pagesFor(tx: WorkspaceTx, userId: string, limit: number): Promise<PageView[]> {
  const { rows } = await tx.query<PageRow>(
    `SELECT ${PAGE_COLUMNS} FROM escalation_pages WHERE user_id = $1 ORDER BY paged_at DESC, id LIMIT $2`,
    [userId, limit],
  );
  return rows.map(toPage);
}
