import { allowedTransitions, changeStateSchema } from '@vigilo/shared/change-states';
import type Database from 'better-sqlite3';
import type {
  ApprovalStepView,
  ChangeDetail,
  ChangeEvent,
  ChangeFilter,
  ChangeListRow,
  Collision,
} from '../../bridge/changes.ts';
import { myApprovals, parseIds } from './approvals.ts';
import { type Names, names } from './people.ts';

/**
 * The Changes page from the replica: the list with its filters and one change with its risk
 * reasons, collisions, approval trail and timeline. Works offline; creating and moving changes
 * are online calls (../changes-online.ts).
 */

type ListRow = {
  id: string;
  title: string;
  type: string;
  state: string;
  risk_level: string;
  requester_id: string;
  planned_start: string | null;
  created_at: string;
};

/** Changes newest first, filtered by state, type, risk and words of the title. */
export function changeList(
  db: Database.Database,
  filter: ChangeFilter,
  me: string | undefined,
  now: Date,
): ChangeListRow[] {
  const where: string[] = [];
  const values: Record<string, string> = {};
  if (filter.state) {
    where.push('state = @state');
    values.state = filter.state;
  }
  if (filter.type) {
    where.push('type = @type');
    values.type = filter.type;
  }
  if (filter.risk) {
    where.push('risk_level = @risk');
    values.risk = filter.risk;
  }
  const text = filter.text?.trim().toLowerCase();
  if (text) {
    where.push('instr(lower(title), @text) > 0');
    values.text = text;
  }
  const rows = db
    .prepare<[Record<string, string>], ListRow>(
      `SELECT id, title, type, state, risk_level, requester_id, planned_start, created_at FROM changes
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY julianday(created_at) DESC, id DESC LIMIT 2000`,
    )
    .all(values);
  const waiting = new Set(myApprovals(db, me, now).map((a) => a.changeId));
  const name = names(db);
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    type: r.type,
    state: r.state,
    risk: r.risk_level,
    requester: name(r.requester_id),
    plannedStart: r.planned_start ?? undefined,
    createdAt: r.created_at,
    waitingOnMe: waiting.has(r.id),
  }));
}

type Row = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/** One change with everything its detail pane shows; null when the replica does not hold it. */
export function changeDetail(
  db: Database.Database,
  changeId: string,
  me: string | undefined,
  now: Date,
): Omit<ChangeDetail, 'audit'> | null {
  const found = db
    .prepare<[string], { data: string }>("SELECT data FROM records WHERE tbl = 'changes' AND id = ?")
    .get(changeId);
  if (!found) return null;
  const c = JSON.parse(found.data) as Row;
  const state = changeStateSchema.parse(c.state);
  const name = names(db);
  const approvals = approvalTrail(db, changeId, me, name);
  const hostName = db.prepare<[string], { hostname: string | null }>(
    'SELECT hostname FROM hosts WHERE id = ?',
  );
  const risk = c.risk_reasons;
  return {
    id: changeId,
    title: str(c.title) ?? '',
    type: str(c.type) ?? '',
    state,
    description: str(c.description) ?? '',
    implementationPlan: str(c.implementation_plan) ?? '',
    rollbackPlan: str(c.rollback_plan) ?? '',
    testPlan: str(c.test_plan) ?? '',
    plannedStart: str(c.planned_start),
    plannedEnd: str(c.planned_end),
    hosts: strings(c.affected_host_ids).map((id) => ({
      id,
      name: hostName.get(id)?.hostname ?? 'a removed host',
    })),
    tags: strings(c.affected_tags),
    certificateFingerprint: str(c.certificate_fingerprint),
    requester: name(str(c.requester_id) ?? ''),
    assignee: str(c.assignee_id) ? name(str(c.assignee_id) ?? '') : undefined,
    risk: {
      level: str(c.risk_level) ?? '',
      score: typeof c.risk_score === 'number' ? c.risk_score : 0,
      reasons: Array.isArray(risk)
        ? risk.map((r: Row) => ({
            code: str(r.code) ?? '',
            points: typeof r.points === 'number' ? r.points : 0,
            text: str(r.text) ?? '',
          }))
        : [],
    },
    collisions: collisionsOf(db, changeId),
    revision: typeof c.revision === 'number' ? c.revision : 1,
    allowedTransitions: allowedTransitions(state),
    approvals,
    timeline: changeTimeline(c, approvals, name),
    waitingOnMe: myApprovals(db, me, now).find((a) => a.changeId === changeId),
    retrospectiveDueAt: str(c.retrospective_due_at),
    retrospectiveDone: c.retrospective_done === true,
  };
}

/** The collisions the server found on the change's plan (they warn; the page shows their words). */
function collisionsOf(db: Database.Database, changeId: string): Collision[] {
  return db
    .prepare<[string], { kind: string; reason: string }>(
      'SELECT kind, reason FROM change_collisions WHERE change_id = ? ORDER BY kind, julianday(detected_at), id',
    )
    .all(changeId)
    .map((c) => ({ kind: c.kind, message: c.reason }));
}

type RequestRow = {
  id: string;
  kind: string;
  position: number;
  step_name: string;
  approver_ids: string;
  quorum: number;
  revision: number;
  state: string;
  closed_reason: string | null;
  my_decision: 'approve' | 'reject' | null;
  opened_at: string | null;
  decided_at: string | null;
  data: string;
};

/** The change's approval steps, oldest first, with their decisions (mine in the outbox too). */
function approvalTrail(db: Database.Database, changeId: string, me: string | undefined, name: Names) {
  const requests = db
    .prepare<[string], RequestRow>(
      `SELECT r.id, r.kind, r.position, r.step_name, r.approver_ids, r.quorum, r.revision, r.state,
         r.closed_reason, r.my_decision, r.opened_at, r.decided_at, rec.data
       FROM approval_requests r JOIN records rec ON rec.tbl = 'approval_requests' AND rec.id = r.id
       WHERE r.change_id = ? ORDER BY julianday(r.created_at), r.revision, r.kind, r.position`,
    )
    .all(changeId);
  const decisionsOf = db.prepare<
    [string],
    {
      decision: 'approve' | 'reject';
      comment: string;
      decided_by: string;
      on_behalf_of: string | null;
      decided_at: string;
    }
  >(
    `SELECT decision, comment, decided_by, on_behalf_of, decided_at FROM approval_decisions
     WHERE request_id = ? ORDER BY julianday(decided_at), id`,
  );
  return requests.map((r): ApprovalStepView => {
    const decisions: ApprovalStepView['decisions'] = decisionsOf.all(r.id).map((d) => ({
      decision: d.decision,
      comment: d.comment,
      by: name(d.decided_by),
      onBehalfOf: d.on_behalf_of ? name(d.on_behalf_of) : undefined,
      at: d.decided_at,
      pending: false,
    }));
    if (r.my_decision && me) {
      const local = JSON.parse(r.data) as Row;
      const behalf = str(local.my_on_behalf_of);
      decisions.push({
        decision: r.my_decision,
        comment: str(local.my_comment) ?? '',
        by: name(me),
        onBehalfOf: behalf ? name(behalf) : undefined,
        at: str(local.my_decided_at) ?? '',
        pending: true,
      });
    }
    return {
      requestId: r.id,
      kind: r.kind,
      step: r.position,
      stepName: r.step_name,
      state: r.state,
      closedReason: r.closed_reason ?? undefined,
      quorum: r.quorum,
      revision: r.revision,
      approvers: parseIds(r.approver_ids).map(name),
      openedAt: r.opened_at ?? undefined,
      decidedAt: r.decided_at ?? undefined,
      decisions,
    };
  });
}

const CLOSED_WORDS: Record<string, string> = {
  withdrawn: 'the change was withdrawn',
  cancelled: 'the change was cancelled',
  edited: 'the change was edited',
  rejected: 'an earlier step rejected it',
};

/** What happened to the change, oldest first: its dates, and each step and decision. */
function changeTimeline(c: Row, steps: ApprovalStepView[], name: Names): ChangeEvent[] {
  const events: ChangeEvent[] = [];
  const at = (v: unknown) => str(v);
  const requester = name(str(c.requester_id) ?? '').name;
  const created = at(c.created_at);
  if (created) events.push({ at: created, what: 'Raised', by: requester, pending: false });
  const submitted = at(c.submitted_at);
  if (submitted) events.push({ at: submitted, what: 'Submitted for approval', pending: false });
  for (const s of steps) {
    for (const d of s.decisions) {
      const who = d.onBehalfOf ? `${d.by.name} for ${d.onBehalfOf.name}` : d.by.name;
      events.push({
        at: d.at,
        what: `${d.decision === 'approve' ? 'Approved' : 'Rejected'} step ${s.step} (${s.stepName})`,
        by: who,
        ...(d.comment ? { text: d.comment } : {}),
        pending: d.pending,
      });
    }
    if (s.openedAt && s.kind === 'retrospective')
      events.push({ at: s.openedAt, what: 'Retrospective review requested', pending: false });
    if (s.state === 'superseded' && s.closedReason)
      events.push({
        at: s.decidedAt ?? created ?? '',
        what: `Step ${s.step} (${s.stepName}, revision ${s.revision}) closed: ${CLOSED_WORDS[s.closedReason] ?? s.closedReason}`,
        pending: false,
      });
  }
  const approved = at(c.approved_at);
  if (approved) events.push({ at: approved, what: 'Approved', pending: false });
  const closed = at(c.closed_at);
  if (closed)
    events.push({ at: closed, what: `Closed: ${String(c.state).replace('_', ' ')}`, pending: false });
  return events.sort((a, b) => (Date.parse(a.at) || 0) - (Date.parse(b.at) || 0));
}
