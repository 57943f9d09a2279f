import {
  type Answer,
  type AssessmentOutcome,
  type Question,
  scoreAssessment,
} from '@vigilo/shared/vendor-assessment';
import type { Actor, WorkspaceTx } from '../../db/tx.ts';
import { ActionRefused, invalidField } from '../../domain-errors.ts';
import { actorRef } from '../../monitoring/alerts/alert-actions.ts';
import { lockVendor } from './vendor-records.ts';

/**
 * Vendor assessments: questionnaire templates, an assessment per vendor per period made from a
 * template (it keeps its own copy of the questions, so a later template cannot change what was
 * answered), and recording it with its answers, score (shared/src/vendor-assessment.ts), findings
 * and outcome. Recorded is final: a new period is a new assessment.
 */

export type Template = {
  id: string;
  name: string;
  questions: Question[];
  createdBy: string;
  createdAt: Date;
};

export type Assessment = {
  id: string;
  vendorId: string;
  templateId: string | null;
  period: string;
  questions: Question[];
  answers: Record<string, Answer>;
  score: number | null;
  findings: string;
  outcome: AssessmentOutcome | null;
  createdBy: string;
  createdAt: Date;
  completedBy: string | null;
  completedAt: Date | null;
};

const ASSESSMENT_COLUMNS = `id::text, vendor_id::text AS "vendorId", template_id::text AS "templateId", period, questions,
  answers, score, findings, outcome, created_by AS "createdBy", created_at AS "createdAt",
  completed_by AS "completedBy", completed_at AS "completedAt"`;

const noAssessment = () => new ActionRefused('not_found', 'no such assessment in this workspace');

/** The workspace's questionnaire templates by name. */
export async function listTemplates(tx: WorkspaceTx): Promise<Template[]> {
  const { rows } = await tx.query<Template>(
    `SELECT id::text, name, questions, created_by AS "createdBy", created_at AS "createdAt"
     FROM assessment_templates ORDER BY name`,
  );
  return rows;
}

/** Makes a questionnaire template; question ids must be unique within it. */
export async function createTemplate(
  tx: WorkspaceTx,
  input: { name: string; questions: Question[]; actor: Actor; now: Date },
): Promise<Template> {
  const seen = new Set<string>();
  input.questions.forEach((q, i) => {
    if (seen.has(q.id)) throw invalidField(['questions', i, 'id'], `repeats the question id "${q.id}"`);
    seen.add(q.id);
  });
  const taken = await tx.query('SELECT 1 FROM assessment_templates WHERE name = $1', [input.name]);
  if (taken.rowCount)
    throw new ActionRefused('conflict', `a template named "${input.name}" already exists`, {
      issue: { path: ['name'], message: 'is taken' },
    });
  const { rows } = await tx.query<Template>(
    `INSERT INTO assessment_templates (workspace_id, name, questions, created_by, created_at)
     VALUES ($1, $2, $3, $4, $5) RETURNING id::text, name, questions, created_by AS "createdBy", created_at AS "createdAt"`,
    [tx.workspaceId, input.name, JSON.stringify(input.questions), actorRef(input.actor), input.now],
  );
  const t = rows[0] as Template;
  await tx.record({
    action: 'assessment_template.created',
    target: { type: 'assessment_template', id: t.id },
    summary: { after: { name: t.name, questions: t.questions } },
    event: 'assessment_template.created',
    payload: { templateId: t.id, name: t.name, questions: t.questions.length },
  });
  return t;
}

/** Assessments newest first, of one vendor or all. */
export async function listAssessments(
  tx: WorkspaceTx,
  f: { vendorId?: string | undefined },
): Promise<Assessment[]> {
  const { rows } = await tx.query<Assessment>(
    `SELECT ${ASSESSMENT_COLUMNS} FROM vendor_assessments WHERE ($1::uuid IS NULL OR vendor_id = $1)
     ORDER BY created_at DESC, id LIMIT 500`,
    [f.vendorId ?? null],
  );
  return rows;
}

/** Opens a vendor's assessment for a period from a template; one per vendor and period. */
export async function createAssessment(
  tx: WorkspaceTx,
  input: { vendorId: string; templateId: string; period: string; actor: Actor; now: Date },
): Promise<Assessment> {
  const vendor = await lockVendor(tx, input.vendorId);
  const tpl = await tx.query<{ questions: Question[] }>(
    'SELECT questions FROM assessment_templates WHERE id = $1',
    [input.templateId],
  );
  const questions = tpl.rows[0]?.questions;
  if (!questions) throw invalidField(['templateId'], 'no such template in this workspace');
  const dup = await tx.query('SELECT 1 FROM vendor_assessments WHERE vendor_id = $1 AND period = $2', [
    input.vendorId,
    input.period,
  ]);
  if (dup.rowCount)
    throw new ActionRefused('conflict', `${vendor.name} already has an assessment for ${input.period}`, {
      issue: { path: ['period'], message: 'already has an assessment' },
    });
  const { rows } = await tx.query<Assessment>(
    `INSERT INTO vendor_assessments (workspace_id, vendor_id, template_id, period, questions, created_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${ASSESSMENT_COLUMNS}`,
    [
      tx.workspaceId,
      input.vendorId,
      input.templateId,
      input.period,
      JSON.stringify(questions),
      actorRef(input.actor),
      input.now,
    ],
  );
  const a = rows[0] as Assessment;
  await tx.record({
    action: 'assessment.created',
    target: { type: 'vendor_assessment', id: a.id },
    summary: { after: { vendorId: a.vendorId, templateId: a.templateId, period: a.period } },
    event: 'assessment.created',
    payload: { assessmentId: a.id, vendorId: a.vendorId, vendor: vendor.name, period: a.period },
  });
  return a;
}

/**
 * Records an assessment's answers, findings and outcome, scoring the answers against its
 * questions; an answer that does not fit is refused naming `answers.<questionId>`.
 */
export async function recordAssessment(
  tx: WorkspaceTx,
  input: {
    id: string;
    answers: Record<string, Answer>;
    findings: string;
    outcome: AssessmentOutcome;
    actor: Actor;
    now: Date;
  },
): Promise<Assessment> {
  const { rows: found } = await tx.query<Assessment>(
    `SELECT ${ASSESSMENT_COLUMNS} FROM vendor_assessments WHERE id = $1 FOR UPDATE`,
    [input.id],
  );
  const prev = found[0];
  if (!prev) throw noAssessment();
  if (prev.completedAt)
    throw new ActionRefused('already_decided', `the ${prev.period} assessment was already recorded`);
  const scored = scoreAssessment(prev.questions, input.answers);
  if (!scored.ok) throw invalidField(['answers', scored.issue.questionId], scored.issue.message);
  const { rows } = await tx.query<Assessment>(
    `UPDATE vendor_assessments SET answers = $2, score = $3, findings = $4, outcome = $5, completed_by = $6, completed_at = $7
     WHERE id = $1 RETURNING ${ASSESSMENT_COLUMNS}`,
    [
      input.id,
      JSON.stringify(input.answers),
      scored.score,
      input.findings,
      input.outcome,
      actorRef(input.actor),
      input.now,
    ],
  );
  const a = rows[0] as Assessment;
  await tx.record({
    action: 'assessment.recorded',
    target: { type: 'vendor_assessment', id: a.id },
    summary: { after: { answers: a.answers, score: a.score, findings: a.findings, outcome: a.outcome } },
    event: 'assessment.recorded',
    payload: {
      assessmentId: a.id,
      vendorId: a.vendorId,
      period: a.period,
      score: a.score,
      outcome: a.outcome,
    },
  });
  return a;
}
