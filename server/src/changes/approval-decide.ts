import type { ApprovalDecisionInput } from '@vigilo/shared/change-inputs';
import { transitionRefusal } from '@vigilo/shared/change-states';
import type { Actor, WorkspaceTx } from '../db/tx.ts';
import { ActionRefused, invalidField } from '../domain-errors.ts';
import {
  openNextStep,
  openRetrospective,
  type RequestRow,
  retrospectiveDueAt,
  supersedeOpen,
} from './approval-flow.ts';
import { refuseClosed, type DecisionRow } from './approval-refusals.ts';
import { changeEventPayload, type ChangeRow, lockChange } from './change-records.ts';
import { refreshCollisions } from './collisions.ts';
import { displayNames, personOf } from './people.ts';
import { syncChangeMaintenance } from '../reliability/change-maintenance.ts';

/**
 * One approver's decision on one approval request: the same function behind `approvals.decide`
 * and the desktop's offline `approval.decide` (server/src/sync/kinds/approvals.ts), so a refusal
 * here is the outbox's conflict, in words the desktop shows as they are.
 *
 * Concurrency: the change's row lock is taken first, so two approvers deciding at the same moment
 * queue on it; the second then reads what the first committed (a reached quorum, a rejection)
 * and is refused with it ("Alice approved it first").
 */

export type DecisionOutcome = {
  decisionId: string;
  requestId: string;
  changeId: string;
  decision: 'approve' | 'reject';
  /** The approver a delegate decided for; null when the approver decided themself. */
  onBehalfOf: string | null;
  requestState: RequestRow['state'];
  changeState: string;
};

export async function decideApproval(
  tx: WorkspaceTx,
  input: ApprovalDecisionInput,
  actor: Actor,
  now: Date,
): Promise<DecisionOutcome> {
  const me = await personOf(tx, actor);
  const found = await tx.query<{ change_id: string }>(
    'SELECT change_id FROM approval_requests WHERE id = $1',
    [input.requestId],
  );
  const changeId = found.rows[0]?.change_id;
  if (!changeId) throw new ActionRefused('not_found', 'no such approval request in this workspace');
  const change = await lockChange(tx, changeId);
  const request = (
    await tx.query<RequestRow>('SELECT * FROM approval_requests WHERE id = $1 FOR UPDATE', [input.requestId])
  ).rows[0] as RequestRow;
  const decisions = (
    await tx.query<DecisionRow>(
      'SELECT * FROM approval_decisions WHERE request_id = $1 ORDER BY decided_at, id',
      [request.id],
    )
  ).rows;

  if (change.requester_id === me)
    throw new ActionRefused('forbidden', 'you raised this change: someone else must decide on it');
  await refuseClosed(tx, change, request, decisions, me, input.revision);
  if (request.cab)
    throw new ActionRefused(
      'forbidden',
      `step ${request.position} (${request.step_name}) is decided by the change advisory board in a meeting (cab.addDecision), not by one approver`,
    );
  const onBehalfOf = await slotFor(tx, request, decisions, me, input.onBehalfOf, now);
  if (input.decision === 'reject' && !input.comment?.trim())
    throw invalidField(['comment'], 'say why you reject it: comment must not be empty');

  const decisionId = await recordDecision(
    tx,
    { change, request, decidedBy: me, onBehalfOf, decision: input.decision, comment: input.comment ?? '' },
    now,
  );
  const approvals =
    decisions.filter((d) => d.decision === 'approve').length + (input.decision === 'approve' ? 1 : 0);
  const closes = input.decision === 'reject' || approvals >= request.quorum;
  const changeState = closes ? await closeRequest(tx, change, request, input.decision, now) : change.state;
  return {
    decisionId,
    requestId: request.id,
    changeId: change.id,
    decision: input.decision,
    onBehalfOf,
    requestState: closes ? (input.decision === 'reject' ? 'rejected' : 'approved') : request.state,
    changeState,
  };
}

/** One decision as written: by whom, for whom, and (from a CAB meeting) in which meeting. */
export type DecisionWrite = {
  change: ChangeRow;
  request: RequestRow;
  decidedBy: string;
  onBehalfOf: string | null;
  decision: 'approve' | 'reject';
  comment: string;
  cabMeetingId?: string | undefined;
};

/**
 * Stores one decision on a request with its audit row and `approval.decided` event; returns its
 * id. Whether it closes the request is the caller's rule (quorum, or the CAB's one decision).
 */
export async function recordDecision(tx: WorkspaceTx, d: DecisionWrite, now: Date): Promise<string> {
  const { change, request } = d;
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO approval_decisions (workspace_id, request_id, change_id, decided_by, on_behalf_of, decision, comment, revision, decided_at, cab_meeting_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
    [
      tx.workspaceId,
      request.id,
      change.id,
      d.decidedBy,
      d.onBehalfOf,
      d.decision,
      d.comment,
      change.revision,
      now,
      d.cabMeetingId ?? null,
    ],
  );
  const decisionId = rows[0]?.id ?? '';
  const about = {
    requestId: request.id,
    step: request.position,
    stepName: request.step_name,
    kind: request.kind,
    ...(d.cabMeetingId ? { cabMeetingId: d.cabMeetingId } : {}),
  };
  await tx.record({
    action: 'approval.decided',
    target: { type: 'change', id: change.id },
    summary: {
      after: {
        ...about,
        decision: d.decision,
        comment: d.comment,
        decidedBy: d.decidedBy,
        onBehalfOf: d.onBehalfOf,
        revision: change.revision,
      },
    },
    event: 'approval.decided',
    payload: {
      ...about,
      changeId: change.id,
      decisionId,
      decision: d.decision,
      decidedBy: d.decidedBy,
      onBehalfOf: d.onBehalfOf,
    },
  });
  return decisionId;
}

/**
 * Closes a request with `decision` and moves its change on: a rejection rejects the change, an
 * approval opens the next step or approves it; a retrospective is marked done. Returns the
 * change's state after it.
 */
export async function closeRequest(
  tx: WorkspaceTx,
  change: ChangeRow,
  request: RequestRow,
  decision: 'approve' | 'reject',
  now: Date,
): Promise<string> {
  await tx.query('UPDATE approval_requests SET state = $2, decided_at = $3 WHERE id = $1', [
    request.id,
    decision === 'reject' ? 'rejected' : 'approved',
    now,
  ]);
  return request.kind === 'retrospective'
    ? closeRetrospective(tx, change, decision, now)
    : afterStep(tx, change, decision, now);
}

/**
 * Whose approval this is: the caller's own when they are one of the step's approvers and have not
 * decided, else that of an approver who delegated to them for this moment and has not decided
 * (the one named by `onBehalfOf`, when given). Returns the approver acted for, or null for self.
 */
async function slotFor(
  tx: WorkspaceTx,
  request: RequestRow,
  decisions: DecisionRow[],
  me: string,
  wanted: string | undefined,
  now: Date,
): Promise<string | null> {
  const decided = new Set(decisions.map((d) => d.on_behalf_of ?? d.decided_by));
  const mine = request.approver_ids.includes(me);
  if ((wanted === undefined || wanted === me) && mine && !decided.has(me)) return null;
  const { rows } = await tx.query<{ approver_id: string }>(
    `SELECT DISTINCT approver_id FROM delegations
     WHERE delegate_id = $1 AND starts_at <= $2 AND ends_at > $2 AND approver_id = ANY($3) ORDER BY approver_id`,
    [me, now, request.approver_ids],
  );
  const principals = rows.map((r) => r.approver_id);
  if (wanted !== undefined && wanted !== me) {
    if (!principals.includes(wanted)) {
      const name = (await displayNames(tx, [wanted])).get(wanted);
      throw new ActionRefused('forbidden', `you are not ${name}'s delegate for this step at this time`);
    }
    if (decided.has(wanted)) {
      const name = (await displayNames(tx, [wanted])).get(wanted);
      throw new ActionRefused('already_decided', `${name} already decided on this step`);
    }
    return wanted;
  }
  const open = principals.find((p) => !decided.has(p));
  if (open) return open;
  if (mine) throw new ActionRefused('already_decided', 'you already decided on this step');
  if (principals.length > 0)
    throw new ActionRefused('already_decided', 'the approvers you stand in for already decided');
  throw new ActionRefused(
    'forbidden',
    'you are not an approver of this step, nor the delegate of one at this time',
  );
}

/** A step closed: a rejection rejects the change; an approval opens the next step or approves it. */
async function afterStep(
  tx: WorkspaceTx,
  change: ChangeRow,
  decision: 'approve' | 'reject',
  now: Date,
): Promise<string> {
  const to = decision === 'reject' ? 'rejected' : 'approved';
  if (decision === 'approve' && (await openNextStep(tx, change, now))) return change.state;
  // The same machine as every other move, as the approvals' outcome.
  const refusal = transitionRefusal('submitted', to, 'approval');
  if (change.state !== 'submitted' || refusal)
    throw new ActionRefused('stale', `the change is ${change.state} now: it no longer needs approval`);
  if (decision === 'reject') await supersedeOpen(tx, change.id, 'rejected', now);
  const emergency = decision === 'approve' && change.type === 'emergency';
  const retrospectiveDue = emergency ? retrospectiveDueAt(now) : null;
  const { rows } = await tx.query<ChangeRow>(
    `UPDATE changes SET state = $2::text, updated_at = $3::timestamptz,
       approved_at = CASE WHEN $2::text = 'approved' THEN $3::timestamptz END,
       closed_at = CASE WHEN $2::text = 'rejected' THEN $3::timestamptz END,
       retrospective_due_at = $4::timestamptz
     WHERE id = $1 RETURNING *`,
    [change.id, to, now, retrospectiveDue],
  );
  const moved = rows[0] as ChangeRow;
  // A rejected change is over: the changes it overlapped no longer collide with it.
  if (to === 'rejected') await refreshCollisions(tx, moved, now);
  await tx.record({
    action: `change.${to}`,
    target: { type: 'change', id: change.id },
    summary: { before: { state: change.state }, after: { state: to, retrospectiveDueAt: retrospectiveDue } },
    event: to === 'approved' ? 'change.approved' : 'change.rejected',
    payload: { ...changeEventPayload(moved), automatic: false },
  });
  await syncChangeMaintenance(tx, moved); // approved: its planned window becomes maintenance
  if (emergency) await openRetrospective(tx, moved, now);
  return to;
}

/** The retrospective review of an emergency change is done, whatever its verdict (kept in the decision). */
async function closeRetrospective(
  tx: WorkspaceTx,
  change: ChangeRow,
  decision: 'approve' | 'reject',
  now: Date,
): Promise<string> {
  await tx.query('UPDATE changes SET retrospective_done = true, updated_at = $2 WHERE id = $1', [
    change.id,
    now,
  ]);
  const verdict = decision === 'approve' ? 'accepted' : 'rejected';
  await tx.record({
    action: 'change.retrospective_reviewed',
    target: { type: 'change', id: change.id },
    summary: { after: { retrospectiveDone: true, verdict } },
    event: 'change.retrospective_reviewed',
    payload: { ...changeEventPayload(change), verdict },
  });
  return change.state;
}
