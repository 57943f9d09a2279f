import type { CabDecisionInput } from '@vigilo/shared/cab-inputs';
import type { Actor, WorkspaceTx } from '../db/tx.ts';
import { ActionRefused, invalidField } from '../domain-errors.ts';
import { closeRequest, recordDecision } from './approval-decide.ts';
import type { RequestRow } from './approval-flow.ts';
import { type DecisionRow, refuseClosed } from './approval-refusals.ts';
import { lockMeeting, requirePlanned } from './cab-meetings.ts';
import { type ChangeRow, lockChange } from './change-records.ts';
import { personOf } from './people.ts';

/**
 * The board's decision on one change of a meeting's agenda, acting as the approval of that
 * change's CAB step.
 *
 * Why a step kind and not "the CAB as an approver group": a board decides once, together, in a
 * meeting; counting its members' approvals one by one (a quorum) would let the step be passed
 * outside the meeting, and would leave the meeting's minutes and the change's trail saying
 * different things. So a policy step marked `cab` is closed by one decision recorded here by an
 * attendee, and refused to single approvers (approvals.decide). The decision goes through the
 * same functions as any approver's (recordDecision, closeRequest in approval-decide.ts): the same
 * decision row (naming the meeting), the same refusals when the change moved on, the same next
 * step or approval or rejection of the change, with their audit rows and events.
 */

export type CabDecisionOutcome = {
  meetingId: string;
  changeId: string;
  decision: 'approve' | 'reject';
  decisionId: string;
  requestId: string;
  changeState: string;
};

export async function addCabDecision(
  tx: WorkspaceTx,
  input: CabDecisionInput,
  actor: Actor,
  now: Date,
): Promise<CabDecisionOutcome> {
  const me = await personOf(tx, actor);
  const meeting = await lockMeeting(tx, input.meetingId);
  requirePlanned(meeting);
  if (!meeting.attendee_ids.includes(me))
    throw new ActionRefused('forbidden', `only the attendees of "${meeting.title}" record its decisions`);
  const { rows: items } = await tx.query<{ id: string; decision: string | null }>(
    'SELECT id, decision FROM cab_agenda_items WHERE meeting_id = $1 AND change_id = $2 FOR UPDATE',
    [meeting.id, input.changeId],
  );
  const item = items[0];
  if (!item)
    throw invalidField(
      ['changeId'],
      'the change is not on this meeting’s agenda (cab.refreshAgenda adds what its filter matches now)',
    );
  if (item.decision)
    throw new ActionRefused(
      'already_decided',
      `the board already decided on it in this meeting (${item.decision})`,
    );

  const change = await lockChange(tx, input.changeId);
  if (change.requester_id === me)
    throw new ActionRefused(
      'forbidden',
      'you raised this change: another attendee records the board’s decision',
    );
  const request = await cabStep(tx, change);
  const decisions = (
    await tx.query<DecisionRow>(
      'SELECT * FROM approval_decisions WHERE request_id = $1 ORDER BY decided_at, id',
      [request.id],
    )
  ).rows;
  await refuseClosed(tx, change, request, decisions, me, undefined);
  if (input.decision === 'reject' && !input.comment?.trim())
    throw invalidField(['comment'], 'say why the board rejects it: comment must not be empty');

  const comment = input.comment ?? '';
  const decisionId = await recordDecision(
    tx,
    {
      change,
      request,
      decidedBy: me,
      onBehalfOf: null,
      decision: input.decision,
      comment,
      cabMeetingId: meeting.id,
    },
    now,
  );
  const changeState = await closeRequest(tx, change, request, input.decision, now);
  await tx.query(
    `UPDATE cab_agenda_items SET decision = $2, comment = $3, decided_by = $4, decided_at = $5, approval_decision_id = $6
     WHERE id = $1`,
    [item.id, input.decision, comment, me, now, decisionId],
  );
  await tx.record({
    action: 'cab_meeting.decided',
    target: { type: 'cab_meeting', id: meeting.id },
    summary: {
      after: { changeId: change.id, decision: input.decision, comment, decidedBy: me, changeState },
    },
    event: 'cab_meeting.decided',
    payload: {
      meetingId: meeting.id,
      changeId: change.id,
      title: change.title,
      decision: input.decision,
      decidedBy: me,
      changeState,
    },
  });
  return {
    meetingId: meeting.id,
    changeId: change.id,
    decision: input.decision,
    decisionId,
    requestId: request.id,
    changeState,
  };
}

/**
 * The CAB step the board decides now: the change's pending CAB request, else the latest one (so
 * refuseClosed says why it is not open: a step before it, a withdrawal, an edit). Refused when
 * the change's approvals have no CAB step at all.
 */
async function cabStep(tx: WorkspaceTx, change: ChangeRow): Promise<RequestRow> {
  const { rows } = await tx.query<RequestRow>(
    `SELECT * FROM approval_requests WHERE change_id = $1 AND cab AND kind = 'approval'
     ORDER BY (state = 'pending') DESC, revision DESC, created_at DESC, position LIMIT 1`,
    [change.id],
  );
  const request = rows[0];
  if (!request)
    throw new ActionRefused(
      'conflict',
      change.state === 'submitted'
        ? 'its approval policy has no CAB step: its approvers decide it (approvals.decide)'
        : `the change is ${change.state.replace('_', ' ')} now: it no longer needs approval`,
    );
  return request;
}
