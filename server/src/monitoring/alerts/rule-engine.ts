import {
  AlertPredicate,
  AlertScope,
  evaluate,
  type HostFacts,
  inScope,
  isTimeBased,
  step,
} from '@vigilo/shared/alert-rules';
import { byCodeUnit } from '@vigilo/shared/order';
import type { WorkspaceTx } from '../../db/tx.ts';

type RuleRow = {
  id: string;
  name: string;
  predicate: unknown;
  scope: unknown;
  severity: string;
  open_after: number;
  resolve_after: number;
};
type HostRow = {
  id: string;
  hostname: string;
  port: number;
  tags: string[];
  agent_last_seen: Date | null;
  reachable: boolean | null;
  consecutive_unreachable: number | null;
  facts: Partial<HostFacts> | null;
};

/**
 * Evaluates the workspace's enabled rules for some hosts (after a stored batch) or for all
 * hosts on time-based rules only (the scheduler: a certificate crosses its threshold, an agent
 * goes silent). Opens an alert on a false→true transition that survives flapping suppression
 * and no snooze or maintenance window covers, resolves on true→false; each transition writes the
 * alert, an audit row and an event in the caller's transaction.
 */
export async function evaluateRules(
  tx: WorkspaceTx,
  opts: { hostIds?: string[]; timeBasedOnly?: boolean; now: Date },
): Promise<{ opened: number; resolved: number }> {
  const rules = (
    await tx.query<RuleRow>(
      'SELECT id, name, predicate, scope, severity, open_after, resolve_after FROM alert_rules WHERE enabled AND workspace_id = $1',
      [tx.workspaceId],
    )
  ).rows
    .map((r) => ({ ...r, predicate: AlertPredicate.parse(r.predicate), scope: AlertScope.parse(r.scope) }))
    .filter((r) => !opts.timeBasedOnly || isTimeBased(r.predicate));
  if (rules.length === 0) return { opened: 0, resolved: 0 };

  const hosts = (
    await tx.query<HostRow>(
      `SELECT h.id, h.hostname, h.port, h.tags, a.last_seen_at AS agent_last_seen,
            s.reachable, s.consecutive_unreachable, s.facts
     FROM hosts h LEFT JOIN host_status s ON s.host_id = h.id LEFT JOIN agents a ON a.id = h.agent_id
     WHERE h.workspace_id = $1 AND h.active ${opts.hostIds ? 'AND h.id = ANY($2)' : ''}`,
      opts.hostIds ? [tx.workspaceId, opts.hostIds] : [tx.workspaceId],
    )
  ).rows;
  if (hosts.length === 0) return { opened: 0, resolved: 0 };
  const hostIds = hosts.map((h) => h.id);

  const states = new Map(
    (
      await tx.query<{ rule_id: string; host_id: string; result: boolean; streak: number }>(
        'SELECT rule_id, host_id, result, streak FROM rule_states WHERE host_id = ANY($1) ORDER BY rule_id, host_id FOR UPDATE',
        [hostIds],
      )
    ).rows.map((r) => [`${r.rule_id}/${r.host_id}`, { result: r.result, streak: r.streak }]),
  );
  const open = new Map(
    (
      await tx.query<{ id: string; rule_id: string; host_id: string }>(
        "SELECT id, rule_id, host_id FROM alerts WHERE state = 'open' AND host_id = ANY($1) ORDER BY id FOR UPDATE",
        [hostIds],
      )
    ).rows.map((r) => [`${r.rule_id}/${r.host_id}`, r.id]),
  );
  const suppressed = await suppressedPairs(tx, hostIds, opts.now);
  const engine = tx.as({ type: 'system', id: 'rule-engine' });

  let opened = 0;
  let resolved = 0;
  const stateRows: Array<{ rule_id: string; host_id: string; result: boolean; streak: number }> = [];
  for (const rule of rules) {
    for (const host of hosts) {
      if (!inScope(rule.scope, host) || host.reachable === null) continue;
      const facts: HostFacts = {
        reachable: host.reachable,
        consecutiveUnreachable: host.consecutive_unreachable ?? 0,
        grade: host.facts?.grade ?? null,
        notAfter: host.facts?.notAfter ?? null,
        chainTrusted: host.facts?.chainTrusted ?? null,
        hostnameMatch: host.facts?.hostnameMatch ?? null,
        ocspStapled: host.facts?.ocspStapled ?? null,
        protocols: host.facts?.protocols ?? null,
        handshakeMs: host.facts?.handshakeMs ?? null,
        agentLastSeen: host.agent_last_seen?.toISOString() ?? null,
      };
      const result = evaluate(rule.predicate, facts, opts.now);
      const key = `${rule.id}/${host.id}`;
      const alertId = open.get(key);
      const next = step(states.get(key), result.firing, alertId !== undefined, {
        openAfter: rule.open_after,
        resolveAfter: rule.resolve_after,
      });
      // Only states that moved are written: a settled host re-scanned with the same facts
      // writes nothing here (evaluated_at is therefore when the state last changed). A streak
      // past the rule's thresholds decides nothing more, so it stops counting there; should the
      // thresholds be raised later, it counts on from that value (results since the change).
      const prev = states.get(key);
      const streak = Math.min(next.state.streak, Math.max(rule.open_after, rule.resolve_after));
      if (!prev || prev.result !== next.state.result || prev.streak !== streak)
        stateRows.push({ rule_id: rule.id, host_id: host.id, result: next.state.result, streak });
      const subject = {
        alertRule: rule.name,
        hostId: host.id,
        hostname: host.hostname,
        port: host.port,
        severity: rule.severity,
      };
      // While snoozed or in maintenance an alert does not open; it opens at the first
      // evaluation after the suppression ends if the condition still holds.
      if (next.transition === 'open' && !suppressed(rule.id, host.id)) {
        const { rows } = await tx.query<{ id: string }>(
          `INSERT INTO alerts (workspace_id, rule_id, host_id, severity, summary, opened_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
          [tx.workspaceId, rule.id, host.id, rule.severity, result.summary, opts.now],
        );
        const id = rows[0]?.id ?? '';
        await engine.record({
          action: 'alert.opened',
          target: { type: 'alert', id },
          summary: { after: { ...subject, summary: result.summary } },
          event: 'alert.opened',
          payload: { alertId: id, ruleId: rule.id, ...subject, summary: result.summary },
        });
        opened += 1;
      } else if (next.transition === 'resolve' && alertId) {
        await tx.query("UPDATE alerts SET state = 'resolved', resolved_at = $2 WHERE id = $1", [
          alertId,
          opts.now,
        ]);
        await engine.record({
          action: 'alert.resolved',
          target: { type: 'alert', id: alertId },
          summary: { after: { ...subject, summary: result.summary } },
          event: 'alert.resolved',
          payload: { alertId, ruleId: rule.id, ...subject, summary: result.summary },
        });
        resolved += 1;
      }
    }
  }
  // Every (rule, host) state in one statement: a batch of 100 hosts under 5 rules is one round trip.
  if (stateRows.length > 0) {
    await tx.query(
      `INSERT INTO rule_states (workspace_id, rule_id, host_id, result, streak, evaluated_at)
       SELECT $2, x.rule_id, x.host_id, x.result, x.streak, $3 FROM jsonb_to_recordset($1::jsonb) AS x(rule_id uuid, host_id uuid, result boolean, streak integer)
       ON CONFLICT (rule_id, host_id) DO UPDATE SET result = EXCLUDED.result, streak = EXCLUDED.streak, evaluated_at = EXCLUDED.evaluated_at`,
      [
        JSON.stringify(
          stateRows.sort((a, b) => byCodeUnit(a.rule_id, b.rule_id) || byCodeUnit(a.host_id, b.host_id)),
        ),
        tx.workspaceId,
        opts.now,
      ],
    );
  }
  return { opened, resolved };
}

/** Snoozes (of a host or a rule) and maintenance windows in force at `now`. */
async function suppressedPairs(tx: WorkspaceTx, hostIds: string[], now: Date) {
  const snoozes = (
    await tx.query<{ host_id: string | null; rule_id: string | null }>(
      'SELECT host_id, rule_id FROM snoozes WHERE until > $1',
      [now],
    )
  ).rows;
  const windows = (
    await tx.query<{ host_id: string }>(
      `SELECT h.id AS host_id FROM maintenance_windows w JOIN hosts h ON h.workspace_id = w.workspace_id
     WHERE h.id = ANY($2) AND (h.id = ANY(w.host_ids) OR h.tags && w.tags) AND $1 >= w.starts_at AND (
       (w.repeat_days IS NULL AND $1 < w.ends_at) OR
       (w.repeat_days IS NOT NULL AND
        extract(epoch FROM ($1 - w.starts_at))::bigint % (w.repeat_days * 86400) < extract(epoch FROM (w.ends_at - w.starts_at))))`,
      [now, hostIds],
    )
  ).rows;
  const inMaintenance = new Set(windows.map((w) => w.host_id));
  return (ruleId: string, hostId: string) =>
    inMaintenance.has(hostId) ||
    snoozes.some(
      (s) => (s.host_id === null || s.host_id === hostId) && (s.rule_id === null || s.rule_id === ruleId),
    );
}
