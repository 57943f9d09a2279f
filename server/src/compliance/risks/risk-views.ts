import { type Heatmap, type RiskStatus, riskHeatmap } from '@vigilo/shared/risk-heatmap';
import type { WorkspaceTx } from '../../db/tx.ts';
import { riskLinks } from './risk-links.ts';
import { noRisk, type Risk, type RiskRow, toRisk } from './risk-records.ts';

/** Reading the register: lists, one risk with what hangs off it, the heat map and the signals. */

export type RiskFilter = {
  status?: RiskStatus[] | undefined;
  ownerId?: string | undefined;
  category?: string | undefined;
  hostId?: string | undefined;
  vendorId?: string | undefined;
  needsReassessment?: boolean | undefined;
  /** Only risks whose review date has come at `now` (closed ones never are). */
  reviewDue?: boolean | undefined;
  limit: number;
};

/** Risks by inherent score, highest first, then newest. */
export async function listRisks(tx: WorkspaceTx, f: RiskFilter, now: Date): Promise<Risk[]> {
  const { rows } = await tx.query<RiskRow>(
    `SELECT r.* FROM risks r
     WHERE ($1::text[] IS NULL OR r.status = ANY($1))
       AND ($2::uuid IS NULL OR r.owner_id = $2)
       AND ($3::text IS NULL OR r.category = $3)
       AND ($4::uuid IS NULL OR EXISTS (SELECT 1 FROM risk_hosts h WHERE h.risk_id = r.id AND h.host_id = $4))
       AND ($5::uuid IS NULL OR EXISTS (SELECT 1 FROM risk_vendors v WHERE v.risk_id = r.id AND v.vendor_id = $5))
       AND ($6::boolean IS NULL OR r.needs_reassessment = $6)
       AND ($7::boolean IS NULL OR (r.status <> 'closed' AND r.review_date IS NOT NULL AND r.review_date <= $8) = $7)
     ORDER BY r.likelihood * r.impact DESC, r.created_at DESC, r.id LIMIT $9`,
    [
      f.status && f.status.length > 0 ? f.status : null,
      f.ownerId ?? null,
      f.category ?? null,
      f.hostId ?? null,
      f.vendorId ?? null,
      f.needsReassessment ?? null,
      f.reviewDue ?? null,
      now,
      f.limit,
    ],
  );
  return rows.map((r) => toRisk(r, now));
}

export type RiskSignal = {
  id: string;
  kind: 'incident' | 'failed_change' | 'critical_alert';
  sourceId: string;
  hostId: string;
  summary: string;
  at: Date;
};

/** A risk's live signals, newest first. */
export async function listRiskSignals(tx: WorkspaceTx, riskId: string, limit: number): Promise<RiskSignal[]> {
  const exists = await tx.query('SELECT 1 FROM risks WHERE id = $1', [riskId]);
  if (exists.rowCount === 0) throw noRisk();
  const { rows } = await tx.query<RiskSignal>(
    `SELECT id::text, kind, source_id::text AS "sourceId", host_id::text AS "hostId", summary, at
     FROM risk_signals WHERE risk_id = $1 ORDER BY at DESC, id LIMIT $2`,
    [riskId, limit],
  );
  return rows;
}

type HistoryEntry = {
  kind: string;
  from: string | null;
  to: string;
  detail: Record<string, unknown>;
  actor: string;
  at: Date;
};

/** One risk with its links, the titles and statuses of its tasks, its history and latest signals. */
export async function getRisk(tx: WorkspaceTx, id: string, now: Date) {
  const { rows } = await tx.query<RiskRow>('SELECT * FROM risks WHERE id = $1', [id]);
  const row = rows[0];
  if (!row) throw noRisk();
  const links = await riskLinks(tx, id);
  const tasks = await tx.query<{ id: string; title: string; status: string; dueAt: Date | null }>(
    `SELECT t.id::text, t.title, t.status, t.due_at AS "dueAt" FROM risk_tasks rt JOIN tasks t ON t.id = rt.task_id
     WHERE rt.risk_id = $1 ORDER BY t.created_at, t.id`,
    [id],
  );
  const history = await tx.query<HistoryEntry>(
    `SELECT kind, from_status AS "from", to_status AS "to", detail, actor, at FROM risk_history
     WHERE risk_id = $1 ORDER BY at, seq`,
    [id],
  );
  return {
    ...toRisk(row, now),
    ...links,
    tasks: tasks.rows,
    history: history.rows,
    signals: await listRiskSignals(tx, id, 50),
  };
}

/** The 5×5 heat map of the register, inherent and residual; closed risks are left out unless asked. */
export async function riskHeatmapOf(tx: WorkspaceTx, opts: { includeClosed: boolean }): Promise<Heatmap> {
  const { rows } = await tx.query<{
    likelihood: number;
    impact: number;
    residualLikelihood: number | null;
    residualImpact: number | null;
  }>(
    `SELECT likelihood, impact, residual_likelihood AS "residualLikelihood", residual_impact AS "residualImpact"
     FROM risks WHERE $1 OR status <> 'closed'`,
    [opts.includeClosed],
  );
  return riskHeatmap(rows);
}
