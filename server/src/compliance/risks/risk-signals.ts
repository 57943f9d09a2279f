import type { WorkspaceTx } from '../../db/tx.ts';
import { appendRiskHistory, type RiskRow, riskPayload, toRisk } from './risk-records.ts';

/**
 * Live risk signals: an incident, a failed change or a critical alert on a host a risk is linked
 * to records a signal on the risk; once a risk has `signal_threshold` signals within
 * `signal_period_days` (counted since its last assessment), it is flagged for re-assessment.
 *
 * Where it hooks in: the event dispatcher (server/src/events/dispatcher.ts) hands each batch of
 * committed events to {@link recordRiskSignals} inside the transaction that advances its cursor.
 * - One place for all three sources: alerts are opened by the rule engine inside ingest, incidents
 *   by incidents.create/link, changes fail through change-transitions; calling from each would put
 *   compliance code in three other modules and a query in the ingest hot path.
 * - Exactly once: the signals are written in the same transaction as the cursor move, so an event
 *   is turned into signals once even across crashes and retries (plus a unique key per source).
 * - Cost: nothing for a batch without a matching event; otherwise one indexed query on
 *   risk_hosts (workspace_id, host_id) for the batch's hosts, and nothing more when none match.
 * The price is a short delay (the dispatcher wakes on the events' NOTIFY at commit).
 *
 * The dispatcher runs on the owner pool, which may bypass row security, so every statement here
 * names the workspace explicitly as well.
 */

/** An event as the dispatcher reads it from the outbox. */
export type OutboxEvent = { type: string; payload: unknown; occurred_at: Date };

type Kind = 'incident' | 'failed_change' | 'critical_alert';
type Candidate = { kind: Kind; sourceId: string; hostIds: string[]; summary: string; at: Date };

const SIGNALS_ACTOR = { type: 'system', id: 'risk-signals' } as const;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The hosts an incident event links, from its `links` payload. */
function linkedHosts(payload: Record<string, unknown>): string[] {
  const links = Array.isArray(payload.links) ? (payload.links as Array<Record<string, unknown>>) : [];
  return links.filter((l) => l.type === 'host').flatMap((l) => str(l.targetId) ?? []);
}

/** The events that can be signals, with the hosts they concern (a failed change's from its row). */
async function candidates(tx: WorkspaceTx, events: readonly OutboxEvent[]): Promise<Candidate[]> {
  const out: Candidate[] = [];
  for (const e of events) {
    const p = (e.payload ?? {}) as Record<string, unknown>;
    if (e.type === 'alert.opened' && p.severity === 'critical') {
      const alertId = str(p.alertId);
      const hostId = str(p.hostId);
      if (alertId && hostId)
        out.push({
          kind: 'critical_alert',
          sourceId: alertId,
          hostIds: [hostId],
          summary: str(p.summary) ?? '',
          at: e.occurred_at,
        });
    } else if (e.type === 'incident.opened' || e.type === 'incident.linked') {
      const incidentId = str(p.incidentId);
      const hostIds = linkedHosts(p);
      if (incidentId && hostIds.length > 0)
        out.push({
          kind: 'incident',
          sourceId: incidentId,
          hostIds,
          summary: str(p.title) ?? '',
          at: e.occurred_at,
        });
    } else if (e.type === 'change.transitioned' && p.to === 'failed') {
      const changeId = str(p.changeId);
      if (!changeId) continue;
      const { rows } = await tx.query<{ hosts: string[] }>(
        'SELECT affected_host_ids::text[] AS hosts FROM changes WHERE workspace_id = $1 AND id = $2',
        [tx.workspaceId, changeId],
      );
      const hostIds = rows[0]?.hosts ?? [];
      if (hostIds.length > 0)
        out.push({
          kind: 'failed_change',
          sourceId: changeId,
          hostIds,
          summary: str(p.title) ?? '',
          at: e.occurred_at,
        });
    }
  }
  return out;
}

/**
 * Turns a batch of committed events into risk signals and flags (see the module comment). Returns
 * how many signals were recorded.
 */
export async function recordRiskSignals(
  dispatchTx: WorkspaceTx,
  events: readonly OutboxEvent[],
): Promise<number> {
  const tx = dispatchTx.as(SIGNALS_ACTOR);
  const found = await candidates(tx, events);
  if (found.length === 0) return 0;
  const hostIds = [...new Set(found.flatMap((c) => c.hostIds))];
  const { rows: links } = await tx.query<{ risk_id: string; host_id: string }>(
    'SELECT risk_id::text, host_id::text FROM risk_hosts WHERE workspace_id = $1 AND host_id = ANY($2::uuid[])',
    [tx.workspaceId, hostIds],
  );
  if (links.length === 0) return 0;

  let recorded = 0;
  const touched = new Map<string, Date>();
  for (const c of found) {
    for (const link of links) {
      if (!c.hostIds.includes(link.host_id)) continue;
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO risk_signals (workspace_id, risk_id, kind, source_id, host_id, summary, at)
         VALUES ($1, $2, $3, $4, $5, left($6, 500), $7) ON CONFLICT DO NOTHING RETURNING id::text`,
        [tx.workspaceId, link.risk_id, c.kind, c.sourceId, link.host_id, c.summary, c.at],
      );
      const signalId = rows[0]?.id;
      if (!signalId) continue; // this source already signalled this risk (another of its hosts)
      recorded += 1;
      touched.set(link.risk_id, c.at);
      await tx.record({
        action: 'risk.signal_recorded',
        target: { type: 'risk', id: link.risk_id },
        summary: { after: { kind: c.kind, sourceId: c.sourceId, hostId: link.host_id } },
        event: 'risk.signal_recorded',
        payload: { riskId: link.risk_id, signalId, kind: c.kind, sourceId: c.sourceId, hostId: link.host_id },
      });
    }
  }
  for (const [riskId, at] of touched) await flagIfPastThreshold(tx, riskId, at);
  return recorded;
}

/**
 * Flags the risk for re-assessment when its signals since its last assessment, within its period
 * before `at`, reach its threshold. A risk already flagged stays flagged until re-assessed.
 */
async function flagIfPastThreshold(tx: WorkspaceTx, riskId: string, at: Date): Promise<void> {
  const { rows } = await tx.query<RiskRow & { recent: number }>(
    `SELECT r.*, (SELECT count(*)::int FROM risk_signals s
                  WHERE s.workspace_id = r.workspace_id AND s.risk_id = r.id
                    AND s.at >= greatest(r.assessed_at, $3::timestamptz - make_interval(days => r.signal_period_days))) AS recent
     FROM risks r WHERE r.workspace_id = $1 AND r.id = $2 FOR UPDATE OF r`,
    [tx.workspaceId, riskId, at],
  );
  const row = rows[0];
  if (!row || row.needs_reassessment || row.recent < row.signal_threshold) return;
  const { rows: updated } = await tx.query<RiskRow>(
    'UPDATE risks SET needs_reassessment = true, flagged_at = $3 WHERE workspace_id = $1 AND id = $2 RETURNING *',
    [tx.workspaceId, riskId, at],
  );
  await appendRiskHistory(tx, {
    riskId,
    kind: 'flagged',
    from: row.status,
    to: row.status,
    detail: { signals: row.recent, threshold: row.signal_threshold, periodDays: row.signal_period_days },
    actor: SIGNALS_ACTOR,
    at,
  });
  const risk = toRisk(updated[0] as RiskRow, at);
  await tx.record({
    action: 'risk.flagged',
    target: { type: 'risk', id: riskId },
    summary: { after: { needsReassessment: true, signals: row.recent, threshold: row.signal_threshold } },
    event: 'risk.flagged',
    payload: { ...riskPayload(risk), signals: row.recent },
  });
}
