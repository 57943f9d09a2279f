import type { WorkspaceTx } from '../../db/tx.ts';

/** The reads behind the alert inbox: alerts by filter, and an alert's comments. */

export type AlertFilter = {
  state?: 'open' | 'resolved' | undefined;
  severity?: string | undefined;
  hostId?: string | undefined;
  ruleId?: string | undefined;
  tag?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** The last alert of the previous page: the keyset (opened_at, id) to continue after. */
  cursor?: { openedAt: Date; id: string } | undefined;
  limit: number;
};

// An SLO's burn-rate alert (migration 0018) has no rule, and no host when its SLO covers a tag:
// it is listed under its SLO's name, with slo_id set.
type AlertRow = {
  id: string;
  rule_id: string | null;
  slo_id: string | null;
  rule_name: string;
  host_id: string | null;
  hostname: string | null;
  port: number | null;
  severity: string;
  summary: string;
  state: string;
  opened_at: Date;
  resolved_at: Date | null;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  ack_note: string | null;
};

/** Alerts newest first, filtered, one page with the cursor of the next if there is one. */
export async function listAlerts(tx: WorkspaceTx, f: AlertFilter) {
  const { rows } = await tx.query<AlertRow>(
    `SELECT a.id, a.rule_id, a.slo_id, coalesce(r.name, 'SLO ' || s.name) AS rule_name, a.host_id, h.hostname, h.port,
            a.severity, a.summary, a.state, a.opened_at, a.resolved_at, a.acknowledged_at, a.acknowledged_by, a.ack_note
     FROM alerts a LEFT JOIN alert_rules r ON r.id = a.rule_id LEFT JOIN slos s ON s.id = a.slo_id
       LEFT JOIN hosts h ON h.id = a.host_id
     WHERE ($1::text IS NULL OR a.state = $1) AND ($2::text IS NULL OR a.severity = $2) AND ($3::uuid IS NULL OR a.host_id = $3)
       AND ($4::uuid IS NULL OR a.rule_id = $4) AND ($5::text IS NULL OR $5 = ANY(h.tags))
       AND ($6::timestamptz IS NULL OR a.opened_at >= $6) AND ($7::timestamptz IS NULL OR a.opened_at <= $7)
       AND ($8::timestamptz IS NULL OR (a.opened_at, a.id) < ($8, $9::uuid))
     ORDER BY a.opened_at DESC, a.id DESC LIMIT $10`,
    [
      f.state ?? null,
      f.severity ?? null,
      f.hostId ?? null,
      f.ruleId ?? null,
      f.tag ?? null,
      f.from ?? null,
      f.to ?? null,
      f.cursor?.openedAt ?? null,
      f.cursor?.id ?? null,
      f.limit + 1,
    ],
  );
  const page = rows.slice(0, f.limit).map((r) => ({
    id: r.id,
    ruleId: r.rule_id,
    sloId: r.slo_id,
    ruleName: r.rule_name,
    hostId: r.host_id,
    hostname: r.hostname,
    port: r.port,
    severity: r.severity,
    summary: r.summary,
    state: r.state,
    openedAt: r.opened_at,
    resolvedAt: r.resolved_at,
    acknowledgedAt: r.acknowledged_at,
    acknowledgedBy: r.acknowledged_by,
    ackNote: r.ack_note,
  }));
  const last = page.at(-1);
  return {
    alerts: page,
    nextCursor: rows.length > f.limit && last ? { openedAt: last.openedAt, id: last.id } : undefined,
  };
}

/** An alert's comments, oldest first. */
export async function listAlertComments(tx: WorkspaceTx, alertId: string) {
  const { rows } = await tx.query<{ id: string; body: string; author: string; created_at: Date }>(
    `SELECT id, body, author, created_at FROM comments
     WHERE target_type = 'alert' AND target_id = $1 ORDER BY created_at, id`,
    [alertId],
  );
  return rows.map((r) => ({ id: r.id, body: r.body, author: r.author, createdAt: r.created_at }));
}
