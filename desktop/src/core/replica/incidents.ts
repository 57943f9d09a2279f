import {
  allowedTransitions,
  incidentStateSchema,
  OPEN_INCIDENT_STATES,
} from '@vigilo/shared/incident-states';
import type Database from 'better-sqlite3';
import type {
  IncidentDetail,
  IncidentFilter,
  IncidentListRow,
  IncidentTimelineEntry,
} from '../../bridge/incidents.ts';
import { actorName, type Names, names } from './people.ts';

/**
 * The Incidents page from the replica: the list with its filters and one incident with its
 * timeline, links, tasks and postmortem. A note or a move made offline shows at once (its outbox
 * entry is `pending` until the server has it).
 */

const SEVERITY_RANK: Record<string, number> = { SEV1: 0, SEV2: 1, SEV3: 2, SEV4: 3 };

type ListRow = {
  id: string;
  title: string;
  severity: string;
  state: string;
  commander_id: string | null;
  opened_at: string;
  pending: number;
};

/** Incidents, open ones first by severity, then newest; `state: 'open'` keeps those worked on. */
export function incidentList(db: Database.Database, filter: IncidentFilter): IncidentListRow[] {
  const where: string[] = [];
  const values: Record<string, string> = {};
  if (filter.state === 'open') {
    where.push(`state IN (${OPEN_INCIDENT_STATES.map((s) => `'${s}'`).join(', ')})`);
  } else if (filter.state) {
    where.push('state = @state');
    values.state = filter.state;
  }
  if (filter.severity) {
    where.push('severity = @severity');
    values.severity = filter.severity;
  }
  const text = filter.text?.trim().toLowerCase();
  if (text) {
    where.push('instr(lower(title), @text) > 0');
    values.text = text;
  }
  const rows = db
    .prepare<[Record<string, string>], ListRow>(
      `SELECT i.id, i.title, i.severity, i.state, i.commander_id, i.opened_at,
         EXISTS (SELECT 1 FROM outbox o WHERE o.tbl = 'incidents' AND o.row_id = i.id AND o.state = 'pending') AS pending
       FROM incidents i ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY julianday(i.opened_at) DESC, i.id DESC LIMIT 2000`,
    )
    .all(values);
  const name = names(db);
  const open = (s: string) => (OPEN_INCIDENT_STATES as readonly string[]).includes(s);
  return rows
    .map((r) => ({
      id: r.id,
      title: r.title,
      severity: r.severity,
      state: r.state,
      commander: r.commander_id ? name(r.commander_id) : undefined,
      openedAt: r.opened_at,
      pending: r.pending === 1,
    }))
    .sort(
      (a, b) =>
        Number(open(b.state)) - Number(open(a.state)) ||
        (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9),
    );
}

type Row = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** One incident with its timeline (oldest first), links and tasks; null when not replicated. */
export function incidentDetail(db: Database.Database, incidentId: string): IncidentDetail | null {
  const found = db
    .prepare<[string], { data: string }>("SELECT data FROM records WHERE tbl = 'incidents' AND id = ?")
    .get(incidentId);
  if (!found) return null;
  const i = JSON.parse(found.data) as Row;
  const state = incidentStateSchema.parse(i.state);
  const name = names(db);
  const pending = db
    .prepare<[string], { n: number }>(
      "SELECT count(*) AS n FROM outbox WHERE tbl = 'incidents' AND row_id = ? AND state = 'pending'",
    )
    .get(incidentId);
  const summary = str(i.postmortem_summary);
  return {
    id: incidentId,
    title: str(i.title) ?? '',
    summary: str(i.summary) ?? '',
    severity: str(i.severity) ?? '',
    state,
    commander: str(i.commander_id) ? name(str(i.commander_id) ?? '') : undefined,
    openedAt: str(i.opened_at) ?? '',
    resolvedAt: str(i.resolved_at),
    closedAt: str(i.closed_at),
    allowedTransitions: [...allowedTransitions(state)],
    ...links(db, incidentId),
    timeline: timeline(db, incidentId, name),
    tasks: db
      .prepare<
        [string],
        { id: string; title: string; status: string; assignee_id: string | null; due_at: string | null }
      >('SELECT id, title, status, assignee_id, due_at FROM tasks WHERE incident_id = ? ORDER BY title, id')
      .all(incidentId)
      .map((t) => ({
        id: t.id,
        title: t.title,
        status: t.status,
        assignee: t.assignee_id ? name(t.assignee_id) : undefined,
        dueAt: t.due_at ?? undefined,
      })),
    postmortem: summary ? { summary, rootCause: str(i.postmortem_root_cause) } : undefined,
    pending: (pending?.n ?? 0) > 0,
  };
}

/** The hosts, alerts and changes linked to the incident, named from the replica. */
function links(db: Database.Database, incidentId: string) {
  const rows = db
    .prepare<[string], { target_type: string; target_id: string; name: string | null }>(
      `SELECT l.target_type, l.target_id,
         CASE l.target_type
           WHEN 'host' THEN (SELECT hostname FROM hosts WHERE id = l.target_id)
           WHEN 'alert' THEN (SELECT summary FROM alerts WHERE id = l.target_id)
           WHEN 'change' THEN (SELECT title FROM changes WHERE id = l.target_id)
         END AS name
       FROM incident_links l WHERE l.incident_id = ? ORDER BY l.target_type, name`,
    )
    .all(incidentId);
  const of = (type: string) =>
    rows.filter((r) => r.target_type === type).map((r) => ({ id: r.target_id, name: r.name ?? r.target_id }));
  return { hosts: of('host'), alerts: of('alert'), changes: of('change') };
}

type TimelineRow = {
  id: string;
  kind: string;
  body: string | null;
  detail: string | null;
  actor: string;
  at: string;
  pending: number;
};

function timeline(db: Database.Database, incidentId: string, name: Names): IncidentTimelineEntry[] {
  return db
    .prepare<[string], TimelineRow>(
      `SELECT t.id, t.kind, t.body, t.detail, t.actor, t.at,
         EXISTS (SELECT 1 FROM outbox o WHERE o.tbl = 'incident_timeline' AND o.row_id = t.id AND o.state = 'pending') AS pending
       FROM incident_timeline t WHERE t.incident_id = ?
       ORDER BY julianday(t.at), coalesce(t.seq, 9e18), t.id`,
    )
    .all(incidentId)
    .map((t) => ({
      id: t.id,
      kind: t.kind,
      at: t.at,
      by: actorName(t.actor, name),
      body: t.body ?? undefined,
      what: describe(t.kind, t.detail ? (JSON.parse(t.detail) as Row) : {}),
      pending: t.pending === 1,
    }));
}

/** A timeline entry's detail in words. */
function describe(kind: string, d: Row): string {
  switch (kind) {
    case 'opened':
      return `Opened as ${str(d.severity) ?? 'an incident'}${d.fromAlertId ? ' from an alert' : ''}`;
    case 'transitioned':
      return `Moved from ${str(d.from) ?? '?'} to ${str(d.to) ?? '?'}`;
    case 'updated':
      return `Updated ${Object.keys((d.changes as Row | undefined) ?? {}).join(', ') || 'its fields'}`;
    case 'linked':
      return `Linked ${str(d.targetType) ?? 'an item'}${str(d.label) ? ` ${str(d.label)}` : ''}`;
    case 'postmortem':
      return 'Postmortem written';
    case 'note':
      return 'Note';
    default:
      return kind;
  }
}
