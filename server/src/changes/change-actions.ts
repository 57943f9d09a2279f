import type { ChangeCreateInput, ChangeFields, ChangeUpdateInput } from '@vigilo/shared/change-inputs';
import { type ChangeState, fieldEditable } from '@vigilo/shared/change-states';
import type { Actor, WorkspaceTx } from '../db/tx.ts';
import { invalidField } from '../domain-errors.ts';
import { startApprovals, supersedeOpen } from './approval-flow.ts';
import { requireLinks } from './change-links.ts';
import {
  type Change,
  changeEventPayload,
  type ChangeRow,
  changeView,
  lockChange,
  requireRevision,
} from './change-records.ts';
import { personOf } from './people.ts';
import { scoreChange } from './risk.ts';
import { afterPlanMoved, PLAN_FIELDS } from './schedule-checks.ts';
import { approvedTemplate } from './templates.ts';
import { syncChangeMaintenance } from '../reliability/change-maintenance.ts';

/**
 * Raising and editing changes. Each writes its audit row and event in the caller's transaction;
 * an expected refusal is an `ActionRefused` naming the field.
 */

/** Each editable field and its column. */
const COLUMNS = {
  title: 'title',
  description: 'description',
  implementationPlan: 'implementation_plan',
  rollbackPlan: 'rollback_plan',
  testPlan: 'test_plan',
  plannedStart: 'planned_start',
  plannedEnd: 'planned_end',
  affectedHostIds: 'affected_host_ids',
  affectedTags: 'affected_tags',
  certificateFingerprint: 'certificate_fingerprint',
  alertIds: 'alert_ids',
  incidentIds: 'incident_ids',
  assigneeId: 'assignee_id',
  riskAnswers: 'risk_answers',
} as const satisfies Record<keyof ChangeFields, string>;
type Field = keyof typeof COLUMNS;
const FIELDS = Object.keys(COLUMNS) as Field[];

/** Refuses a planned end at or before the planned start, naming plannedEnd. */
function requireWindow(start: Date | null | undefined, end: Date | null | undefined): void {
  if (start && end && end <= start)
    throw invalidField(['plannedEnd'], 'plannedEnd must be after plannedStart');
}

/**
 * Raises a change as a draft, requested by the person behind `actor`. With `templateId` it is a
 * standard change from an approved template, approved at once: the audit log records that
 * approval as automatic, naming the template.
 */
export async function createChange(
  tx: WorkspaceTx,
  input: ChangeCreateInput,
  actor: Actor,
  now: Date,
): Promise<Change> {
  const requester = await personOf(tx, actor);
  const template = input.templateId ? await approvedTemplate(tx, input.templateId) : undefined;
  if (template && input.type && input.type !== 'standard')
    throw invalidField(['type'], 'a change raised from a template is a standard change');
  if (!template && input.type === 'standard')
    throw invalidField(
      ['templateId'],
      'a standard change is raised from an approved template: give templateId',
    );
  const title = input.title ?? template?.name;
  if (!title) throw invalidField(['title'], 'title is required');
  requireWindow(input.plannedStart, input.plannedEnd);
  await requireLinks(tx, input, now);

  const fields = {
    title,
    description: input.description ?? template?.description ?? '',
    implementationPlan: input.implementationPlan ?? template?.implementation_plan ?? '',
    rollbackPlan: input.rollbackPlan ?? template?.rollback_plan ?? '',
    testPlan: input.testPlan ?? template?.test_plan ?? '',
    plannedStart: input.plannedStart ?? null,
    plannedEnd: input.plannedEnd ?? null,
    affectedHostIds: input.affectedHostIds ?? [],
    affectedTags: input.affectedTags ?? template?.affected_tags ?? [],
    certificateFingerprint: input.certificateFingerprint ?? null,
    alertIds: input.alertIds ?? [],
    incidentIds: input.incidentIds ?? [],
    assigneeId: input.assigneeId ?? null,
    riskAnswers: input.riskAnswers ?? {},
  } satisfies ChangeFields;
  const risk = await scoreChange(
    tx,
    {
      answers: fields.riskAnswers,
      hostIds: fields.affectedHostIds,
      tags: fields.affectedTags,
      plannedStart: fields.plannedStart,
    },
    now,
  );
  const state: ChangeState = template ? 'approved' : 'draft';
  const { rows } = await tx.query<ChangeRow>(
    `INSERT INTO changes (workspace_id, type, state, ${FIELDS.map((f) => COLUMNS[f]).join(', ')},
       requester_id, risk_level, risk_score, risk_reasons, template_id, created_at, updated_at, approved_at)
     VALUES ($1, $2, $3, ${FIELDS.map((_, i) => `$${i + 4}`).join(', ')},
       $${FIELDS.length + 4}, $${FIELDS.length + 5}, $${FIELDS.length + 6}, $${FIELDS.length + 7}, $${FIELDS.length + 8},
       $${FIELDS.length + 9}, $${FIELDS.length + 9}, $${FIELDS.length + 10})
     RETURNING *`,
    [
      tx.workspaceId,
      template ? 'standard' : (input.type ?? 'normal'),
      state,
      ...FIELDS.map((f) => fields[f]),
      requester,
      risk.level,
      risk.score,
      JSON.stringify(risk.reasons),
      template?.id ?? null,
      now,
      template ? now : null,
    ],
  );
  const row = rows[0] as ChangeRow;
  await tx.record({
    action: 'change.created',
    target: { type: 'change', id: row.id },
    summary: { after: { title, type: row.type, state, risk: risk.level, templateId: row.template_id } },
    event: 'change.created',
    payload: changeEventPayload(row),
  });
  if (template) {
    await tx.record({
      action: 'change.approved',
      target: { type: 'change', id: row.id },
      summary: {
        after: { state: 'approved', automatic: true, templateId: template.id, templateName: template.name },
        reason: 'standard change raised from an approved template',
      },
      event: 'change.approved',
      payload: { ...changeEventPayload(row), automatic: true, templateId: template.id },
    });
  }
  await afterPlanMoved(tx, row, false, now);
  await syncChangeMaintenance(tx, row); // raised approved from a template: its window is maintenance
  return changeView(row, now);
}

/**
 * Edits a change at the revision the editor saw. Before approval any field may change; an edit of
 * a submitted change supersedes its open approval requests (a decision on them is refused as
 * "edited after you were asked") and asks again for the new revision. Once approved, only the
 * schedule and the assignee may change (shared/src/change-states.ts, EDITABLE_FIELDS).
 */
export async function updateChange(
  tx: WorkspaceTx,
  input: ChangeUpdateInput,
  actor: Actor,
  now: Date,
): Promise<Change> {
  const row = await lockChange(tx, input.id);
  requireRevision(row, input.revision);
  const state = row.state as ChangeState;
  const given = FIELDS.filter((f) => input[f] !== undefined);
  if (given.length === 0) return changeView(row, now);
  for (const field of given)
    if (!fieldEditable(state, field))
      throw invalidField([field], `${field} cannot change once the change is ${state.replace('_', ' ')}`);
  requireWindow(
    input.plannedStart !== undefined ? input.plannedStart : row.planned_start,
    input.plannedEnd !== undefined ? input.plannedEnd : row.planned_end,
  );
  await requireLinks(tx, input, now);

  const values: unknown[] = given.map((f) => input[f]);
  const sets = given.map((f, i) => `${COLUMNS[f]} = $${i + 2}`);
  // Risk is the approvers' input: re-scored while the change can still be approved.
  if (state === 'draft' || state === 'submitted') {
    const risk = await scoreChange(
      tx,
      {
        answers: input.riskAnswers ?? row.risk_answers,
        hostIds: input.affectedHostIds ?? row.affected_host_ids,
        tags: input.affectedTags ?? row.affected_tags,
        plannedStart: input.plannedStart !== undefined ? input.plannedStart : row.planned_start,
      },
      now,
    );
    values.push(risk.level, risk.score, JSON.stringify(risk.reasons));
    const n = values.length;
    sets.push(`risk_level = $${n - 1}`, `risk_score = $${n}`, `risk_reasons = $${n + 1}`);
  }
  values.push(now);
  sets.push(`updated_at = $${values.length + 1}`, 'revision = revision + 1');
  const { rows } = await tx.query<ChangeRow>(
    `UPDATE changes SET ${sets.join(', ')} WHERE id = $1 RETURNING *`,
    [row.id, ...values],
  );
  const updated = rows[0] as ChangeRow;
  const before = Object.fromEntries(given.map((f) => [f, row[COLUMNS[f]]]));
  const after = Object.fromEntries(given.map((f) => [f, updated[COLUMNS[f]]]));
  await tx.record({
    action: 'change.updated',
    target: { type: 'change', id: row.id },
    summary: {
      before: { ...before, revision: row.revision },
      after: { ...after, revision: updated.revision },
    },
    event: 'change.updated',
    payload: { ...changeEventPayload(updated), fields: given, by: actor.id },
  });
  if (state === 'submitted') {
    await supersedeOpen(tx, row.id, 'edited', now);
    await startApprovals(tx, updated, now);
  }
  // A scheduled change moved into a freeze window is refused here, as scheduling it would be.
  if (given.some((f) => (PLAN_FIELDS as readonly string[]).includes(f)))
    await afterPlanMoved(tx, updated, updated.state === 'scheduled', now);
  await syncChangeMaintenance(tx, updated); // a re-planned approved change moves its window
  return changeView(updated, now);
}
