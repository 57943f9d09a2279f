import { roleGrants, type WorkspaceRole } from '@vigilo/shared/roles';
import type { Actor, WorkspaceTx } from '../db/tx.ts';
import { ActionRefused, invalidField } from '../domain-errors.ts';
import { personOf, requireMember } from './people.ts';

/**
 * Delegations: an approver away names a delegate for a date range. While it runs, every open
 * request that asks the approver also waits on the delegate (approval-queue.ts), and a decision
 * the delegate makes is recorded as theirs on the approver's behalf (approval-decide.ts).
 */

type DelegationRow = {
  id: string;
  approver_id: string;
  delegate_id: string;
  starts_at: Date;
  ends_at: Date;
  reason: string | null;
  created_by: string;
  created_at: Date;
};

function delegationView(r: DelegationRow) {
  return {
    id: r.id,
    approverId: r.approver_id,
    delegateId: r.delegate_id,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    reason: r.reason,
    createdAt: r.created_at,
  };
}
export type Delegation = ReturnType<typeof delegationView>;

/** Delegations that have not ended at `now` (or all, with `ended`), soonest first. */
export async function listDelegations(tx: WorkspaceTx, now: Date, ended = false): Promise<Delegation[]> {
  const { rows } = await tx.query<DelegationRow>(
    'SELECT * FROM delegations WHERE $1 OR ends_at > $2 ORDER BY starts_at, id',
    [ended, now],
  );
  return rows.map(delegationView);
}

/**
 * Names a delegate for the caller's approvals (or, for an admin, another approver's). Both must be
 * members who can approve; the range must end after it starts and not already be over.
 */
export async function createDelegation(
  tx: WorkspaceTx,
  input: {
    approverId?: string | undefined;
    delegateId: string;
    startsAt: Date;
    endsAt: Date;
    reason?: string | undefined;
  },
  caller: { actor: Actor; role: WorkspaceRole },
  now: Date,
): Promise<Delegation> {
  const me = await personOf(tx, caller.actor);
  const approverId = input.approverId ?? me;
  if (approverId !== me && !roleGrants(caller.role, 'administer'))
    throw new ActionRefused('forbidden', "only an admin names a delegate for someone else's approvals");
  if (input.endsAt <= input.startsAt) throw invalidField(['endsAt'], 'endsAt must be after startsAt');
  if (input.endsAt <= now) throw invalidField(['endsAt'], 'endsAt must be in the future');
  if (input.delegateId === approverId)
    throw invalidField(['delegateId'], 'a delegate is someone other than the approver');
  await requireMember(tx, approverId, ['approverId'], now, 'approve');
  await requireMember(tx, input.delegateId, ['delegateId'], now, 'approve');
  const { rows } = await tx.query<DelegationRow>(
    `INSERT INTO delegations (workspace_id, approver_id, delegate_id, starts_at, ends_at, reason, created_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
    [
      tx.workspaceId,
      approverId,
      input.delegateId,
      input.startsAt,
      input.endsAt,
      input.reason ?? null,
      me,
      now,
    ],
  );
  const row = rows[0] as DelegationRow;
  await tx.record({
    action: 'delegation.created',
    target: { type: 'delegation', id: row.id },
    summary: { after: delegationView(row) },
    event: 'delegation.created',
    payload: {
      delegationId: row.id,
      approverId,
      delegateId: input.delegateId,
      startsAt: row.starts_at,
      endsAt: row.ends_at,
    },
  });
  return delegationView(row);
}

/** Ends a delegation now by removing it: by its approver, its author, or an admin. */
export async function removeDelegation(
  tx: WorkspaceTx,
  id: string,
  caller: { actor: Actor; role: WorkspaceRole },
): Promise<{ id: string }> {
  const me = await personOf(tx, caller.actor);
  const { rows } = await tx.query<DelegationRow>('SELECT * FROM delegations WHERE id = $1 FOR UPDATE', [id]);
  const row = rows[0];
  if (!row) throw new ActionRefused('not_found', 'no such delegation in this workspace');
  if (row.approver_id !== me && row.created_by !== me && !roleGrants(caller.role, 'administer'))
    throw new ActionRefused('forbidden', "only the approver or an admin removes someone's delegation");
  await tx.query('DELETE FROM delegations WHERE id = $1', [id]);
  await tx.record({
    action: 'delegation.removed',
    target: { type: 'delegation', id },
    summary: { before: delegationView(row) },
    event: 'delegation.removed',
    payload: { delegationId: id, approverId: row.approver_id, delegateId: row.delegate_id },
  });
  return { id };
}
