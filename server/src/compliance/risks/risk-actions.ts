import type { RiskStatus, RiskTreatment } from '@vigilo/shared/risk-heatmap';
import type { Actor, WorkspaceTx } from '../../db/tx.ts';
import { invalidField } from '../../domain-errors.ts';
import { actorRef } from '../../monitoring/alerts/alert-actions.ts';
import { createTask, type TaskPatch, type Task } from '../../work/tasks.ts';
import { requireMember } from '../../workspaces/member-check.ts';
import { checkRiskLinks, replaceRiskLinks, type RiskLinks } from './risk-links.ts';
import {
  appendRiskHistory,
  lockRisk,
  noRisk,
  type Risk,
  type RiskRow,
  riskPayload,
  toRisk,
} from './risk-records.ts';

/**
 * Recording, changing and removing risks, written once for the `risks.*` procedures. Each change
 * writes its history entry, audit row and event in the caller's transaction. Ratings are 1–5 by
 * the router's schema and by the table's CHECKs; the rules that span fields are here.
 */

/** A risk's editable fields; null clears an optional one. */
export type RiskPatch = {
  title?: string | undefined;
  description?: string | undefined;
  category?: string | undefined;
  ownerId?: string | null | undefined;
  likelihood?: number | undefined;
  impact?: number | undefined;
  residualLikelihood?: number | null | undefined;
  residualImpact?: number | null | undefined;
  treatment?: RiskTreatment | null | undefined;
  treatmentPlan?: string | undefined;
  status?: RiskStatus | undefined;
  reviewDate?: Date | null | undefined;
  signalThreshold?: number | undefined;
  signalPeriodDays?: number | undefined;
};

/** Who may own a risk: a current member whose role may act on compliance. */
const requireOwner = (tx: WorkspaceTx, userId: string, now: Date) =>
  requireMember(tx, { userId, field: ['ownerId'], now, permission: 'approve' });

/** Residual ratings come as a pair: one without the other is no rating. */
function requireResidualPair(l: number | null, i: number | null): void {
  if ((l === null) !== (i === null))
    throw invalidField(
      [l === null ? 'residualLikelihood' : 'residualImpact'],
      'give residualLikelihood and residualImpact together',
    );
}

/** Records a risk (status open unless given), with its links and its first history entry. */
export async function createRisk(
  tx: WorkspaceTx,
  input: {
    fields: RiskPatch & { title: string; category: string; likelihood: number; impact: number };
    links: RiskLinks;
    actor: Actor;
    now: Date;
  },
): Promise<Risk> {
  const f = input.fields;
  requireResidualPair(f.residualLikelihood ?? null, f.residualImpact ?? null);
  if (f.ownerId) await requireOwner(tx, f.ownerId, input.now);
  await checkRiskLinks(tx, input.links);
  const status = f.status ?? 'open';
  const { rows } = await tx.query<RiskRow>(
    `INSERT INTO risks (workspace_id, title, description, category, owner_id, likelihood, impact, residual_likelihood,
                        residual_impact, treatment, treatment_plan, status, review_date, signal_threshold,
                        signal_period_days, assessed_at, created_by, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, coalesce($14, 3), coalesce($15, 30), $16, $17, $16, $16)
     RETURNING *`,
    [
      tx.workspaceId,
      f.title,
      f.description ?? '',
      f.category,
      f.ownerId ?? null,
      f.likelihood,
      f.impact,
      f.residualLikelihood ?? null,
      f.residualImpact ?? null,
      f.treatment ?? null,
      f.treatmentPlan ?? '',
      status,
      f.reviewDate ?? null,
      f.signalThreshold ?? null,
      f.signalPeriodDays ?? null,
      input.now,
      actorRef(input.actor),
    ],
  );
  const row = rows[0] as RiskRow;
  await replaceRiskLinks(tx, row.id, input.links);
  await appendRiskHistory(tx, {
    riskId: row.id,
    kind: 'created',
    from: null,
    to: status,
    detail: { likelihood: f.likelihood, impact: f.impact },
    actor: input.actor,
    at: input.now,
  });
  const risk = toRisk(row, input.now);
  await tx.record({
    action: 'risk.created',
    target: { type: 'risk', id: risk.id },
    summary: { after: { ...auditView(risk), links: input.links } },
    event: 'risk.created',
    payload: riskPayload(risk),
  });
  return risk;
}

const RATINGS = ['likelihood', 'impact', 'residual_likelihood', 'residual_impact'] as const;

/**
 * Changes the fields and link sets given; a patch that changes nothing writes nothing. New
 * ratings, or `reassessed`, count as a re-assessment: the flag raised by live signals is cleared
 * and signals are counted afresh from then on.
 */
export async function updateRisk(
  tx: WorkspaceTx,
  input: {
    id: string;
    patch: RiskPatch;
    links: RiskLinks;
    reassessed?: boolean | undefined;
    actor: Actor;
    now: Date;
  },
): Promise<Risk> {
  const prev = await lockRisk(tx, input.id);
  const p = input.patch;
  if (p.ownerId && p.ownerId !== prev.owner_id) await requireOwner(tx, p.ownerId, input.now);
  await checkRiskLinks(tx, input.links);
  const pick = <K extends keyof RiskPatch, C extends keyof RiskRow>(k: K, c: C) =>
    (p[k] !== undefined ? p[k] : prev[c]) as RiskRow[C];
  const next = {
    title: pick('title', 'title'),
    description: pick('description', 'description'),
    category: pick('category', 'category'),
    owner_id: pick('ownerId', 'owner_id'),
    likelihood: pick('likelihood', 'likelihood'),
    impact: pick('impact', 'impact'),
    residual_likelihood: pick('residualLikelihood', 'residual_likelihood'),
    residual_impact: pick('residualImpact', 'residual_impact'),
    treatment: pick('treatment', 'treatment'),
    treatment_plan: pick('treatmentPlan', 'treatment_plan'),
    status: pick('status', 'status'),
    review_date: pick('reviewDate', 'review_date'),
    signal_threshold: pick('signalThreshold', 'signal_threshold'),
    signal_period_days: pick('signalPeriodDays', 'signal_period_days'),
  };
  requireResidualPair(next.residual_likelihood, next.residual_impact);
  const same = (a: unknown, b: unknown) =>
    a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b;
  const changed = (Object.keys(next) as Array<keyof typeof next>).filter((k) => !same(next[k], prev[k]));
  const linksChanged = await replaceRiskLinks(tx, input.id, input.links);
  const reassessed =
    input.reassessed === true || changed.some((k) => (RATINGS as readonly string[]).includes(k));
  if (changed.length === 0 && linksChanged.length === 0 && !reassessed) return toRisk(prev, input.now);

  const { rows } = await tx.query<RiskRow>(
    `UPDATE risks SET title = $2, description = $3, category = $4, owner_id = $5, likelihood = $6, impact = $7,
       residual_likelihood = $8, residual_impact = $9, treatment = $10, treatment_plan = $11, status = $12,
       review_date = $13, signal_threshold = $14, signal_period_days = $15, updated_at = $16,
       assessed_at = CASE WHEN $17 THEN $16 ELSE assessed_at END,
       needs_reassessment = needs_reassessment AND NOT $17,
       flagged_at = CASE WHEN $17 THEN NULL ELSE flagged_at END
     WHERE id = $1 RETURNING *`,
    [
      input.id,
      next.title,
      next.description,
      next.category,
      next.owner_id,
      next.likelihood,
      next.impact,
      next.residual_likelihood,
      next.residual_impact,
      next.treatment,
      next.treatment_plan,
      next.status,
      next.review_date,
      next.signal_threshold,
      next.signal_period_days,
      input.now,
      reassessed,
    ],
  );
  const row = rows[0] as RiskRow;
  if (next.status !== prev.status)
    await appendRiskHistory(tx, {
      riskId: row.id,
      kind: 'status',
      from: prev.status,
      to: next.status,
      actor: input.actor,
      at: input.now,
    });
  if (reassessed)
    await appendRiskHistory(tx, {
      riskId: row.id,
      kind: 'assessed',
      from: prev.status,
      to: next.status,
      detail: Object.fromEntries(RATINGS.map((k) => [k, row[k]])),
      actor: input.actor,
      at: input.now,
    });
  const risk = toRisk(row, input.now);
  await tx.record({
    action: 'risk.updated',
    target: { type: 'risk', id: risk.id },
    summary: {
      before: Object.fromEntries(changed.map((k) => [k, prev[k]])),
      after: {
        ...Object.fromEntries(changed.map((k) => [k, next[k]])),
        ...pickLinks(input.links, linksChanged),
      },
    },
    event: 'risk.updated',
    payload: { ...riskPayload(risk), changed: [...changed, ...linksChanged], reassessed },
  });
  return risk;
}

/** Removes a risk with its links, history and signals; the audit row keeps what it was. */
export async function removeRisk(tx: WorkspaceTx, input: { id: string; now: Date }): Promise<{ id: string }> {
  const { rows } = await tx.query<RiskRow>('DELETE FROM risks WHERE id = $1 RETURNING *', [input.id]);
  const row = rows[0];
  if (!row) throw noRisk();
  const risk = toRisk(row, input.now);
  await tx.record({
    action: 'risk.removed',
    target: { type: 'risk', id: risk.id },
    summary: { before: auditView(risk) },
    event: 'risk.removed',
    payload: riskPayload(risk),
  });
  return { id: risk.id };
}

/** Creates a task of the risk's treatment (server/src/work/tasks.ts) and links it. */
export async function addRiskTask(
  tx: WorkspaceTx,
  input: { riskId: string; fields: TaskPatch & { title: string }; actor: Actor; now: Date },
): Promise<Task> {
  await lockRisk(tx, input.riskId);
  const task = await createTask(tx, { fields: input.fields, actor: input.actor, now: input.now });
  await tx.query('INSERT INTO risk_tasks (workspace_id, risk_id, task_id) VALUES ($1, $2, $3)', [
    tx.workspaceId,
    input.riskId,
    task.id,
  ]);
  await tx.record({
    action: 'risk.task_added',
    target: { type: 'risk', id: input.riskId },
    summary: { after: { taskId: task.id, title: task.title } },
    event: 'risk.updated',
    payload: { riskId: input.riskId, changed: ['taskIds'], taskId: task.id },
  });
  return task;
}

function pickLinks(links: RiskLinks, fields: string[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((f) => [f, links[f as keyof RiskLinks]]));
}

/** A risk's fields for the audit row (its text included: the audit log is the record). */
function auditView(r: Risk) {
  const { createdAt: _c, updatedAt: _u, reviewDue: _d, createdBy: _b, ...fields } = r;
  return fields;
}
