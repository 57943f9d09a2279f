import type { ChangeState, ChangeType } from '@vigilo/shared/change-states';
import type { WorkspaceTx } from '../db/tx.ts';
import type { RequestRow } from './approval-flow.ts';
import type { DecisionRow } from './approval-refusals.ts';
import { type Change, type ChangeRow, changeView, findChange } from './change-records.ts';
import { type Collision, collisionsOf } from './collisions.ts';
import { displayNames } from './people.ts';

/** Reading changes: the list with filters, and one change with its approval trail. */

export type ChangeFilter = {
  state?: ChangeState[] | undefined;
  type?: ChangeType | undefined;
  hostId?: string | undefined;
  requesterId?: string | undefined;
  /** Keyset cursor: the last change of the previous page. */
  cursor?: { createdAt: Date; id: string } | undefined;
  limit: number;
};

/** Changes newest first, filtered, a page at a time. */
export async function listChanges(
  tx: WorkspaceTx,
  filter: ChangeFilter,
  now: Date,
): Promise<{
  changes: Array<Change & { collisions: Collision[] }>;
  nextCursor: { createdAt: Date; id: string } | null;
}> {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (sql: (n: string) => string, value: unknown) => {
    values.push(value);
    where.push(sql(`$${values.length}`));
  };
  if (filter.state?.length) add((n) => `state = ANY(${n}::text[])`, filter.state);
  if (filter.type) add((n) => `type = ${n}`, filter.type);
  if (filter.hostId) add((n) => `${n}::uuid = ANY(affected_host_ids)`, filter.hostId);
  if (filter.requesterId) add((n) => `requester_id = ${n}::uuid`, filter.requesterId);
  if (filter.cursor) {
    values.push(filter.cursor.createdAt, filter.cursor.id);
    where.push(`(created_at, id) < ($${values.length - 1}, $${values.length}::uuid)`);
  }
  values.push(filter.limit + 1);
  const { rows } = await tx.query<ChangeRow>(
    `SELECT * FROM changes ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY created_at DESC, id DESC LIMIT $${values.length}`,
    values,
  );
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  // One more query for the page: what each change collides with, as found at its last move.
  const collisions = await collisionsOf(
    tx,
    page.map((r) => r.id),
  );
  return {
    changes: page.map((r) => ({ ...changeView(r, now), collisions: collisions.get(r.id) ?? [] })),
    nextCursor: rows.length > filter.limit && last ? { createdAt: last.created_at, id: last.id } : null,
  };
}

type Person = { id: string; name: string };

/** One approval step of a change with who was asked and what they decided. */
export type ApprovalTrailStep = {
  requestId: string;
  kind: RequestRow['kind'];
  /** Decided by the CAB in a meeting. */
  cab: boolean;
  step: number;
  stepName: string;
  state: RequestRow['state'];
  closedReason: RequestRow['closed_reason'];
  quorum: number;
  revision: number;
  approvers: Person[];
  openedAt: Date | null;
  decidedAt: Date | null;
  decisions: Array<{
    id: string;
    decision: 'approve' | 'reject';
    comment: string;
    decidedBy: Person;
    /** The approver a delegate decided for. */
    onBehalfOf: Person | null;
    revision: number;
    decidedAt: Date;
    /** The CAB meeting whose decision this is. */
    cabMeetingId: string | null;
  }>;
};

/** A change with its people named and its approval trail, oldest request first. */
export async function getChange(
  tx: WorkspaceTx,
  id: string,
  now: Date,
): Promise<
  Change & {
    requester: Person;
    assignee: Person | null;
    approvals: ApprovalTrailStep[];
    collisions: Collision[];
  }
> {
  const row = await findChange(tx, id);
  const requests = (
    await tx.query<RequestRow>(
      'SELECT * FROM approval_requests WHERE change_id = $1 ORDER BY created_at, revision, kind, position',
      [id],
    )
  ).rows;
  const decisions = (
    await tx.query<DecisionRow>(
      'SELECT * FROM approval_decisions WHERE change_id = $1 ORDER BY decided_at, id',
      [id],
    )
  ).rows;
  const names = await displayNames(tx, [
    row.requester_id,
    ...(row.assignee_id ? [row.assignee_id] : []),
    ...requests.flatMap((r) => r.approver_ids),
    ...decisions.flatMap((d) => [d.decided_by, ...(d.on_behalf_of ? [d.on_behalf_of] : [])]),
  ]);
  const person = (pid: string): Person => ({ id: pid, name: names.get(pid) ?? pid });
  const collisions = (await collisionsOf(tx, [id])).get(id) ?? [];
  return {
    ...changeView(row, now),
    collisions,
    requester: person(row.requester_id),
    assignee: row.assignee_id ? person(row.assignee_id) : null,
    approvals: requests.map((r) => ({
      requestId: r.id,
      kind: r.kind,
      cab: r.cab,
      step: r.position,
      stepName: r.step_name,
      state: r.state,
      closedReason: r.closed_reason,
      quorum: r.quorum,
      revision: r.revision,
      approvers: r.approver_ids.map(person),
      openedAt: r.opened_at,
      decidedAt: r.decided_at,
      decisions: decisions
        .filter((d) => d.request_id === r.id)
        .map((d) => ({
          id: d.id,
          decision: d.decision,
          comment: d.comment,
          decidedBy: person(d.decided_by),
          onBehalfOf: d.on_behalf_of ? person(d.on_behalf_of) : null,
          revision: d.revision,
          decidedAt: d.decided_at,
          cabMeetingId: d.cab_meeting_id,
        })),
    })),
  };
}
