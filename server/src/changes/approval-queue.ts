import type { RiskLevel } from '@vigilo/shared/change-risk';
import type { Actor, WorkspaceTx } from '../db/tx.ts';
import { displayNames, personOf } from './people.ts';

/**
 * "My approvals": every open request waiting on me, as one of its approvers who has not decided
 * yet, or as the delegate (at `now`) of one who has not. My own changes never wait on me, nor
 * does a CAB step: the board decides it in a meeting (cab-decisions.ts).
 */

export type MyApproval = {
  requestId: string;
  kind: 'approval' | 'retrospective';
  step: number;
  stepName: string;
  quorum: number;
  approvals: number;
  /** The revision the request was sent for: what `approvals.decide` expects. */
  revision: number;
  openedAt: Date | null;
  /** True when I am one of the step's approvers myself. */
  asApprover: boolean;
  /** The approvers I stand in for, as their delegate. */
  onBehalfOf: Array<{ id: string; name: string }>;
  change: {
    id: string;
    title: string;
    type: string;
    state: string;
    risk: RiskLevel;
    requesterId: string;
    requesterName: string;
    plannedStart: Date | null;
    plannedEnd: Date | null;
  };
};

type QueueRow = {
  id: string;
  kind: 'approval' | 'retrospective';
  position: number;
  step_name: string;
  quorum: number;
  revision: number;
  opened_at: Date | null;
  as_approver: boolean;
  principals: string[];
  approvals: number;
  change_id: string;
  title: string;
  type: string;
  state: string;
  risk_level: RiskLevel;
  requester_id: string;
  planned_start: Date | null;
  planned_end: Date | null;
};

/** Everything waiting on the person behind `actor`, oldest first. */
export async function myApprovals(tx: WorkspaceTx, actor: Actor, now: Date): Promise<MyApproval[]> {
  const me = await personOf(tx, actor);
  const { rows } = await tx.query<QueueRow>(
    `WITH open AS (
       SELECT r.*, ARRAY(SELECT coalesce(d.on_behalf_of, d.decided_by) FROM approval_decisions d WHERE d.request_id = r.id) AS decided,
              (SELECT count(*)::int FROM approval_decisions d WHERE d.request_id = r.id AND d.decision = 'approve') AS approvals
       FROM approval_requests r WHERE r.state = 'pending' AND NOT r.cab
     ), mine AS (
       SELECT o.*, ($1::uuid = ANY(o.approver_ids) AND NOT $1::uuid = ANY(o.decided)) AS as_approver,
              ARRAY(SELECT DISTINCT g.approver_id FROM delegations g
                    WHERE g.delegate_id = $1::uuid AND g.starts_at <= $2::timestamptz AND g.ends_at > $2::timestamptz
                      AND g.approver_id = ANY(o.approver_ids) AND NOT g.approver_id = ANY(o.decided)
                    ORDER BY g.approver_id) AS principals
       FROM open o
     )
     SELECT m.id, m.kind, m.position, m.step_name, m.quorum, m.revision, m.opened_at, m.as_approver, m.principals,
            m.approvals, c.id AS change_id, c.title, c.type, c.state, c.risk_level, c.requester_id,
            c.planned_start, c.planned_end
     FROM mine m JOIN changes c ON c.id = m.change_id
     WHERE c.requester_id <> $1::uuid AND (m.as_approver OR cardinality(m.principals) > 0)
     ORDER BY m.opened_at, m.id`,
    [me, now],
  );
  const names = await displayNames(
    tx,
    rows.flatMap((r) => [r.requester_id, ...r.principals]),
  );
  return rows.map((r) => ({
    requestId: r.id,
    kind: r.kind,
    step: r.position,
    stepName: r.step_name,
    quorum: r.quorum,
    approvals: r.approvals,
    revision: r.revision,
    openedAt: r.opened_at,
    asApprover: r.as_approver,
    onBehalfOf: r.principals.map((id) => ({ id, name: names.get(id) ?? id })),
    change: {
      id: r.change_id,
      title: r.title,
      type: r.type,
      state: r.state,
      risk: r.risk_level,
      requesterId: r.requester_id,
      requesterName: names.get(r.requester_id) ?? r.requester_id,
      plannedStart: r.planned_start,
      plannedEnd: r.planned_end,
    },
  }));
}
