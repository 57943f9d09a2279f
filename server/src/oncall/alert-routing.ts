import type { WorkspaceTx } from '../db/tx.ts';

/**
 * What escalation knows of an alert and where it routes: the facts the engine reads once per
 * alert event, and the policy and channels its rule, its host's tags or its SLO name.
 */

/** An alert as escalation sees it: its state, what raised it, and its host's or SLO's routing. */
export type AlertFacts = {
  id: string;
  state: string;
  acknowledged_at: Date | null;
  suppressed: boolean;
  rule_id: string | null;
  host_id: string | null;
  summary: string;
  severity: string;
  hostname: string | null;
  tags: string[] | null;
  /** An SLO alert's own policy (migration 0025), and the tag of an SLO over a tag. */
  slo_policy_id: string | null;
  slo_tag: string | null;
};

export async function alertFacts(tx: WorkspaceTx, alertId: string): Promise<AlertFacts | undefined> {
  const { rows } = await tx.query<AlertFacts>(
    `SELECT a.id, a.state, a.acknowledged_at, a.suppressed, a.rule_id, a.host_id, a.summary, a.severity,
            h.hostname, h.tags, s.escalation_policy_id AS slo_policy_id, s.tag AS slo_tag
     FROM alerts a LEFT JOIN hosts h ON h.id = a.host_id LEFT JOIN slos s ON s.id = a.slo_id
     WHERE a.id = $1 AND a.workspace_id = $2`,
    [alertId, tx.workspaceId],
  );
  return rows[0];
}

/**
 * The policy and channels an alert routes to. The policy: an SLO alert's own policy when its SLO
 * names one, else its rule's route, else a route of its host's tags — or, for an SLO over a tag
 * (an alert with no host), that tag's route, as if a host carrying the tag had raised it.
 * Channels: those of every matching route.
 */
export async function routeOf(
  tx: WorkspaceTx,
  alert: AlertFacts,
): Promise<{ policyId: string | null; channelIds: string[] }> {
  const { rows } = await tx.query<{
    rule_id: string | null;
    tag: string | null;
    policy_id: string | null;
    channel_ids: string[];
  }>(
    `SELECT rule_id, tag, policy_id, channel_ids::text[] AS channel_ids FROM alert_routes
     WHERE workspace_id = $1 AND (rule_id = $2 OR tag = ANY($3::text[]))
     ORDER BY rule_id IS NULL, tag`,
    [tx.workspaceId, alert.rule_id, alert.tags ?? (alert.slo_tag === null ? [] : [alert.slo_tag])],
  );
  const policyId = alert.slo_policy_id ?? rows.find((r) => r.policy_id !== null)?.policy_id ?? null;
  return { policyId, channelIds: [...new Set(rows.flatMap((r) => r.channel_ids))] };
}
