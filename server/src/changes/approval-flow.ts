import type { ApprovalStep } from '@vigilo/shared/change-inputs';
import { RETROSPECTIVE_DAYS } from '@vigilo/shared/change-states';
import type { WorkspaceTx } from '../db/tx.ts';
import { ActionRefused } from '../domain-errors.ts';
import type { ChangeRow } from './change-records.ts';
import { stepApprovers } from './people.ts';
import { DEFAULT_STEP, matchPolicy } from './policy-match.ts';

/**
 * The approval requests of a change through its life: made from its policy when it is submitted
 * (the first step pending, the others waiting their turn), opened one after another as each
 * reaches its quorum, superseded when the change is withdrawn, cancelled, edited or rejected,
 * and, for an emergency change, a retrospective review once it is approved.
 */

/** An approval request as stored. */
export type RequestRow = {
  id: string;
  change_id: string;
  kind: 'approval' | 'retrospective';
  /** Decided by the CAB in a meeting (cab-decisions.ts), not by its approvers one by one. */
  cab: boolean;
  position: number;
  step_name: string;
  approver_ids: string[];
  quorum: number;
  revision: number;
  state: 'waiting' | 'pending' | 'approved' | 'rejected' | 'superseded';
  closed_reason: 'withdrawn' | 'cancelled' | 'edited' | 'rejected' | null;
  created_at: Date;
  opened_at: Date | null;
  decided_at: Date | null;
};

const DAY_MS = 86_400_000;

/**
 * Makes the approval requests of a change just submitted (or edited while submitted), for its
 * current revision. An emergency change needs one approval: the first step of its policy (or any
 * approver), with a quorum of one. Refused when a step could never reach its quorum, because
 * fewer people than it needs can approve (the requester never counts).
 */
export async function startApprovals(tx: WorkspaceTx, change: ChangeRow, now: Date): Promise<void> {
  const policy = await matchPolicy(tx, change);
  const emergency = change.type === 'emergency';
  const steps: ApprovalStep[] = emergency
    ? [{ ...(policy?.steps[0] ?? DEFAULT_STEP), name: 'Emergency approval', quorum: 1, cab: false }]
    : (policy?.steps ?? [DEFAULT_STEP]);
  const resolved = [];
  for (const [i, step] of steps.entries()) {
    const approvers = await stepApprovers(tx, step, now, change.requester_id);
    const quorum = step.quorum === 'all' ? approvers.length : step.quorum;
    if (approvers.length === 0 || approvers.length < quorum)
      throw new ActionRefused(
        'conflict',
        `step ${i + 1} (${step.name}) needs ${quorum || 1} approver(s) but ${approvers.length} other than the requester can approve: change the policy "${policy?.name ?? 'default'}" or the members' roles`,
      );
    resolved.push({ step, approvers, quorum });
  }
  await tx.query('UPDATE changes SET policy_id = $2 WHERE id = $1', [change.id, policy?.id ?? null]);
  for (const [i, { step, approvers, quorum }] of resolved.entries()) {
    const first = i === 0;
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO approval_requests
         (workspace_id, change_id, kind, position, step_name, approver_ids, quorum, revision, state, created_at, opened_at, cab)
       VALUES ($1, $2, 'approval', $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
      [
        tx.workspaceId,
        change.id,
        i + 1,
        step.name,
        approvers,
        quorum,
        change.revision,
        first ? 'pending' : 'waiting',
        now,
        first ? now : null,
        step.cab === true,
      ],
    );
    if (first)
      await recordRequested(tx, change, {
        id: rows[0]?.id ?? '',
        position: 1,
        step_name: step.name,
        approver_ids: approvers,
        quorum,
        cab: step.cab === true,
      });
  }
}

/** Closes the open requests of a change (pending and waiting) because it moved on. */
export async function supersedeOpen(
  tx: WorkspaceTx,
  changeId: string,
  reason: NonNullable<RequestRow['closed_reason']>,
  now: Date,
): Promise<number> {
  const { rowCount } = await tx.query(
    `UPDATE approval_requests SET state = 'superseded', closed_reason = $2, decided_at = $3
     WHERE change_id = $1 AND kind = 'approval' AND state IN ('pending', 'waiting')`,
    [changeId, reason, now],
  );
  return rowCount ?? 0;
}

/**
 * After a step reached its quorum: opens the next waiting step and returns it, or returns
 * undefined when none is left (the change is approved).
 */
export async function openNextStep(
  tx: WorkspaceTx,
  change: ChangeRow,
  now: Date,
): Promise<RequestRow | undefined> {
  const { rows } = await tx.query<RequestRow>(
    `UPDATE approval_requests SET state = 'pending', opened_at = $2
     WHERE id = (SELECT id FROM approval_requests WHERE change_id = $1 AND kind = 'approval' AND state = 'waiting'
                 ORDER BY position LIMIT 1)
     RETURNING *`,
    [change.id, now],
  );
  const next = rows[0];
  if (next) await recordRequested(tx, change, next);
  return next;
}

/** When the retrospective review of an emergency change approved at `now` is due. */
export function retrospectiveDueAt(now: Date): Date {
  return new Date(now.getTime() + RETROSPECTIVE_DAYS * DAY_MS);
}

/**
 * An emergency change was approved by one approver: its retrospective review (due at
 * retrospectiveDueAt) is asked of every approver but the requester.
 */
export async function openRetrospective(tx: WorkspaceTx, change: ChangeRow, now: Date): Promise<void> {
  const approvers = await stepApprovers(tx, DEFAULT_STEP, now, change.requester_id);
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO approval_requests
       (workspace_id, change_id, kind, position, step_name, approver_ids, quorum, revision, state, created_at, opened_at)
     VALUES ($1, $2, 'retrospective', 1, 'Retrospective review', $3, 1, $4, 'pending', $5, $5) RETURNING id`,
    [tx.workspaceId, change.id, approvers, change.revision, now],
  );
  await recordRequested(tx, change, {
    id: rows[0]?.id ?? '',
    position: 1,
    step_name: 'Retrospective review',
    approver_ids: approvers,
    quorum: 1,
    cab: false,
  });
}

async function recordRequested(
  tx: WorkspaceTx,
  change: ChangeRow,
  request: Pick<RequestRow, 'id' | 'position' | 'step_name' | 'approver_ids' | 'quorum' | 'cab'>,
): Promise<void> {
  // A CAB step is decided in a meeting: `cab` tells notifications it waits on the board.
  const about = {
    requestId: request.id,
    step: request.position,
    stepName: request.step_name,
    cab: request.cab,
  };
  await tx.record({
    action: 'approval.requested',
    target: { type: 'change', id: change.id },
    summary: {
      after: {
        ...about,
        approverIds: request.approver_ids,
        quorum: request.quorum,
        revision: change.revision,
      },
    },
    event: 'approval.requested',
    payload: {
      ...about,
      changeId: change.id,
      title: change.title,
      approverIds: request.approver_ids,
      quorum: request.quorum,
    },
  });
}
