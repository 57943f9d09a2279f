import type Database from 'better-sqlite3';
import type { ApprovalItem } from '../../bridge/changes.ts';
import { type Names, names } from './people.ts';

/**
 * "My approvals" from the replica, offline too: every open request waiting on me as one of its
 * approvers who has not decided, or as the delegate (now) of one who has not, on a change I did
 * not raise — the rule of the server's approvals.mine (server/src/changes/approval-queue.ts),
 * applied to the replicated requests, decisions and delegations. A decision of mine still in the
 * outbox keeps the request listed, marked with it, until the server's rows replace it.
 */

type RequestRow = {
  id: string;
  change_id: string;
  kind: 'approval' | 'retrospective';
  position: number;
  step_name: string;
  approver_ids: string;
  quorum: number;
  revision: number;
  opened_at: string | null;
  my_decision: 'approve' | 'reject' | null;
  title: string;
  type: string;
  risk_level: string;
  requester_id: string;
  planned_start: string | null;
  planned_end: string | null;
  pending: number;
};

/** Everything waiting on `me` at `now`, oldest request first. */
export function myApprovals(db: Database.Database, me: string | undefined, now: Date): ApprovalItem[] {
  if (!me) return [];
  const requests = db
    .prepare<[{ me: string }], RequestRow>(
      `SELECT r.id, r.change_id, r.kind, r.position, r.step_name, r.approver_ids, r.quorum, r.revision,
         r.opened_at, r.my_decision, c.title, c.type, c.risk_level, c.requester_id, c.planned_start, c.planned_end,
         EXISTS (SELECT 1 FROM outbox o WHERE o.tbl = 'approval_requests' AND o.row_id = r.id AND o.state = 'pending') AS pending
       FROM approval_requests r JOIN changes c ON c.id = r.change_id
         JOIN records rec ON rec.tbl = 'approval_requests' AND rec.id = r.id
       WHERE r.state = 'pending' AND c.requester_id IS NOT @me
         -- A CAB step is decided by the board in its meeting, never by one approver (the server
         -- refuses it and leaves it out of approvals.mine): it waits on nobody's queue.
         AND coalesce(json_extract(rec.data, '$.cab'), 0) = 0
       ORDER BY julianday(r.opened_at), r.id`,
    )
    .all({ me });
  if (requests.length === 0) return [];
  const standingInFor = activeDelegators(db, me, now);
  const name = names(db);
  const items: ApprovalItem[] = [];
  for (const r of requests) {
    const item = queueItem(db, r, me, standingInFor, name);
    if (item) items.push(item);
  }
  return items;
}

/** The approvers who delegated to `me` for a range that holds `now`. */
export function activeDelegators(db: Database.Database, me: string, now: Date): Set<string> {
  const rows = db
    .prepare<[{ me: string; now: string }], { approver_id: string }>(
      `SELECT DISTINCT approver_id FROM delegations
       WHERE delegate_id = @me AND julianday(starts_at) <= julianday(@now) AND julianday(ends_at) > julianday(@now)`,
    )
    .all({ me, now: now.toISOString() });
  return new Set(rows.map((r) => r.approver_id));
}

/** The request as my queue shows it, or undefined when it does not wait on me. */
function queueItem(
  db: Database.Database,
  r: RequestRow,
  me: string,
  standingInFor: Set<string>,
  name: Names,
): ApprovalItem | undefined {
  const approvers = parseIds(r.approver_ids);
  const decisions = db
    .prepare<[string], { who: string; decision: string }>(
      `SELECT coalesce(on_behalf_of, decided_by) AS who, decision FROM approval_decisions WHERE request_id = ?`,
    )
    .all(r.id);
  const decided = new Set(decisions.map((d) => d.who));
  const asApprover = approvers.includes(me) && !decided.has(me);
  const principals = approvers.filter((a) => a !== me && standingInFor.has(a) && !decided.has(a)).sort();
  if (!asApprover && principals.length === 0) return undefined;
  return {
    requestId: r.id,
    changeId: r.change_id,
    title: r.title,
    type: r.type,
    risk: r.risk_level,
    kind: r.kind,
    step: r.position,
    stepName: r.step_name,
    quorum: r.quorum,
    approvals: decisions.filter((d) => d.decision === 'approve').length,
    revision: r.revision,
    requester: name(r.requester_id),
    openedAt: r.opened_at ?? undefined,
    plannedStart: r.planned_start ?? undefined,
    plannedEnd: r.planned_end ?? undefined,
    asApprover,
    onBehalfOf: principals.map(name),
    myDecision: r.my_decision ?? undefined,
    pending: r.pending === 1,
  };
}

/** A JSON array of ids as the view gives it (json_extract of an array is its JSON text). */
export function parseIds(json: string | null): string[] {
  if (!json) return [];
  const parsed: unknown = JSON.parse(json);
  return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
}
