import { type ChangeState, isFinal, transitionRefusal } from '@vigilo/shared/change-states';
import type { Actor, WorkspaceTx } from '../db/tx.ts';
import { invalidField } from '../domain-errors.ts';
import { startApprovals, supersedeOpen } from './approval-flow.ts';
import {
  type Change,
  changeEventPayload,
  type ChangeRow,
  changeView,
  lockChange,
  requireRevision,
} from './change-records.ts';
import { scoreChange } from './risk.ts';
import { afterPlanMoved } from './schedule-checks.ts';
import { syncChangeMaintenance } from '../reliability/change-maintenance.ts';

/**
 * The moves a person makes (`changes.transition`): submit, withdraw, cancel, schedule, start and
 * finish. Approval and rejection are not among them: only the change's approval steps make those
 * (approval-decide.ts). The legal moves are shared/src/change-states.ts; an illegal one is refused
 * naming `to` and the moves allowed from the current state, with nothing stored.
 */
export async function transitionChange(
  tx: WorkspaceTx,
  input: { id: string; to: ChangeState; revision?: number | undefined; note?: string | undefined },
  actor: Actor,
  now: Date,
): Promise<Change> {
  const row = await lockChange(tx, input.id);
  requireRevision(row, input.revision);
  const from = row.state as ChangeState;
  const refusal = transitionRefusal(from, input.to, 'person');
  if (refusal) throw invalidField(['to'], refusal.message);

  if (input.to === 'submitted') return submit(tx, row, input.note, now);
  if (input.to === 'scheduled' && (!row.planned_start || !row.planned_end))
    throw invalidField(['to'], 'plan the change before scheduling it: set plannedStart and plannedEnd first');
  // Leaving `submitted` takes the open approval requests with it: a decision on one is refused
  // with the words the desktop shows ("the change was withdrawn").
  if (from === 'submitted')
    await supersedeOpen(tx, row.id, input.to === 'draft' ? 'withdrawn' : 'cancelled', now);
  const { rows } = await tx.query<ChangeRow>(
    `UPDATE changes SET state = $2::text, updated_at = $3::timestamptz,
       submitted_at = CASE WHEN $2::text = 'draft' THEN NULL ELSE submitted_at END,
       closed_at = CASE WHEN $4::boolean THEN $3::timestamptz ELSE closed_at END
     WHERE id = $1 RETURNING *`,
    [row.id, input.to, now, isFinal(input.to)],
  );
  const moved = rows[0] as ChangeRow;
  await recordMove(tx, row, moved, input.note);
  // Scheduling meets the freeze windows and collisions; a change that is over leaves the others.
  if (moved.state === 'scheduled' || isFinal(input.to))
    await afterPlanMoved(tx, moved, moved.state === 'scheduled', now);
  await syncChangeMaintenance(tx, moved); // withdrawn or cancelled: its window goes
  return changeView(moved, now);
}

/**
 * Submits a draft: a normal change needs its planned window first (lead time and scheduling read
 * it); risk is assessed again at this moment, then the matching policy's steps are asked.
 */
async function submit(tx: WorkspaceTx, row: ChangeRow, note: string | undefined, now: Date): Promise<Change> {
  if (row.type === 'normal' && (!row.planned_start || !row.planned_end))
    throw invalidField(['to'], 'plan the change before submitting it: set plannedStart and plannedEnd first');
  const risk = await scoreChange(
    tx,
    {
      answers: row.risk_answers,
      hostIds: row.affected_host_ids,
      tags: row.affected_tags,
      plannedStart: row.planned_start,
    },
    now,
  );
  const { rows } = await tx.query<ChangeRow>(
    `UPDATE changes SET state = 'submitted', submitted_at = $2, updated_at = $2,
       risk_level = $3, risk_score = $4, risk_reasons = $5
     WHERE id = $1 RETURNING *`,
    [row.id, now, risk.level, risk.score, JSON.stringify(risk.reasons)],
  );
  const submitted = rows[0] as ChangeRow;
  await tx.record({
    action: 'change.submitted',
    target: { type: 'change', id: row.id },
    summary: {
      before: { state: row.state },
      after: { state: 'submitted', risk: risk.level, riskScore: risk.score, note: note ?? null },
    },
    event: 'change.submitted',
    payload: changeEventPayload(submitted),
  });
  await startApprovals(tx, submitted, now);
  return changeView(submitted, now);
}

async function recordMove(
  tx: WorkspaceTx,
  before: ChangeRow,
  after: ChangeRow,
  note: string | undefined,
): Promise<void> {
  await tx.record({
    action: 'change.transitioned',
    target: { type: 'change', id: before.id },
    summary: { before: { state: before.state }, after: { state: after.state, note: note ?? null } },
    event: 'change.transitioned',
    payload: { ...changeEventPayload(after), from: before.state, to: after.state },
  });
}
