import { type RiskStatus, type RiskTreatment, riskScore } from '@vigilo/shared/risk-heatmap';
import type { Actor, WorkspaceTx } from '../../db/tx.ts';
import { ActionRefused } from '../../domain-errors.ts';
import { actorRef } from '../../monitoring/alerts/alert-actions.ts';

/** A risk's row as stored (0013_risks_vendors.sql). */
export type RiskRow = {
  id: string;
  title: string;
  description: string;
  category: string;
  owner_id: string | null;
  likelihood: number;
  impact: number;
  residual_likelihood: number | null;
  residual_impact: number | null;
  treatment: RiskTreatment | null;
  treatment_plan: string;
  status: RiskStatus;
  review_date: Date | null;
  signal_threshold: number;
  signal_period_days: number;
  needs_reassessment: boolean;
  flagged_at: Date | null;
  assessed_at: Date;
  created_by: string;
  created_at: Date;
  updated_at: Date;
};

/** A risk as the API answers it, with its scores and whether its review is due at `now`. */
export type Risk = {
  id: string;
  title: string;
  description: string;
  category: string;
  ownerId: string | null;
  likelihood: number;
  impact: number;
  inherentScore: number;
  residualLikelihood: number | null;
  residualImpact: number | null;
  residualScore: number | null;
  treatment: RiskTreatment | null;
  treatmentPlan: string;
  status: RiskStatus;
  reviewDate: Date | null;
  /** The review date has come and the risk is not closed. */
  reviewDue: boolean;
  signalThreshold: number;
  signalPeriodDays: number;
  needsReassessment: boolean;
  flaggedAt: Date | null;
  assessedAt: Date;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
};

/** The row as the API shows it; `now` (the injected clock) decides `reviewDue`. */
export function toRisk(r: RiskRow, now: Date): Risk {
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    category: r.category,
    ownerId: r.owner_id,
    likelihood: r.likelihood,
    impact: r.impact,
    inherentScore: riskScore(r.likelihood, r.impact),
    residualLikelihood: r.residual_likelihood,
    residualImpact: r.residual_impact,
    residualScore:
      r.residual_likelihood !== null && r.residual_impact !== null
        ? riskScore(r.residual_likelihood, r.residual_impact)
        : null,
    treatment: r.treatment,
    treatmentPlan: r.treatment_plan,
    status: r.status,
    reviewDate: r.review_date,
    reviewDue: r.status !== 'closed' && r.review_date !== null && r.review_date <= now,
    signalThreshold: r.signal_threshold,
    signalPeriodDays: r.signal_period_days,
    needsReassessment: r.needs_reassessment,
    flaggedAt: r.flagged_at,
    assessedAt: r.assessed_at,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The refusal for a risk not in this workspace (unknown or another tenant's: alike). */
export const noRisk = () => new ActionRefused('not_found', 'no such risk in this workspace');

/** Locks the risk for the rest of the transaction; refuses one not in this workspace. */
export async function lockRisk(tx: WorkspaceTx, id: string): Promise<RiskRow> {
  const { rows } = await tx.query<RiskRow>('SELECT * FROM risks WHERE id = $1 FOR UPDATE', [id]);
  const row = rows[0];
  if (!row) throw noRisk();
  return row;
}

export type RiskHistoryKind = 'created' | 'status' | 'assessed' | 'flagged';

/** Appends to a risk's history; the domain calls it with every status move and (re)assessment. */
export async function appendRiskHistory(
  tx: WorkspaceTx,
  input: {
    riskId: string;
    kind: RiskHistoryKind;
    from: RiskStatus | null;
    to: RiskStatus;
    detail?: Record<string, unknown>;
    actor: Actor;
    at: Date;
  },
): Promise<void> {
  await tx.query(
    `INSERT INTO risk_history (workspace_id, risk_id, kind, from_status, to_status, detail, actor, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      tx.workspaceId,
      input.riskId,
      input.kind,
      input.from,
      input.to,
      input.detail ?? {},
      actorRef(input.actor),
      input.at,
    ],
  );
}

/** What an event says of a risk: enough to route a notification. */
export function riskPayload(r: Risk): Record<string, unknown> {
  return {
    riskId: r.id,
    title: r.title,
    status: r.status,
    ownerId: r.ownerId,
    inherentScore: r.inherentScore,
    residualScore: r.residualScore,
    needsReassessment: r.needsReassessment,
  };
}
