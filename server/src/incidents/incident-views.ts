import {
  type IncidentSeverity,
  type IncidentState,
  OPEN_INCIDENT_STATES,
} from '@vigilo/shared/incident-states';
import type { WorkspaceTx } from '../db/tx.ts';
import { listTasks, type Task } from '../work/tasks.ts';
import { type IncidentLink, type LinkType, readLinks } from './incident-links.ts';
import { type Incident, type IncidentRow, noIncident, toIncident } from './incident-records.ts';
import { readTimeline, type TimelineEntry } from './incident-timeline.ts';

/** What `incidents.list` narrows by; every field is optional. */
export type IncidentFilter = {
  states?: IncidentState[] | undefined;
  severity?: IncidentSeverity | undefined;
  commanderId?: string | undefined;
  /** Only incidents linked to this target: an alert's, a host's or a change's incidents. */
  linked?: { type: LinkType; id: string } | undefined;
  cursor?: { openedAt: Date; id: string } | undefined;
  limit: number;
};

/** Incidents newest first, with a keyset cursor (opened_at, id) for the next page. */
export async function listIncidents(
  tx: WorkspaceTx,
  f: IncidentFilter,
): Promise<{ items: Incident[]; next: { openedAt: Date; id: string } | null }> {
  const { rows } = await tx.query<IncidentRow>(
    `SELECT i.* FROM incidents i
     WHERE ($1::text[] IS NULL OR i.state = ANY($1))
       AND ($2::text IS NULL OR i.severity = $2)
       AND ($3::uuid IS NULL OR i.commander_id = $3)
       AND ($4::text IS NULL OR EXISTS (
             SELECT 1 FROM incident_links l
             WHERE l.incident_id = i.id AND l.target_type = $4 AND l.target_id = $5::uuid))
       AND ($6::timestamptz IS NULL OR (i.opened_at, i.id) < ($6, $7::uuid))
     ORDER BY i.opened_at DESC, i.id DESC LIMIT $8`,
    [
      f.states && f.states.length > 0 ? f.states : null,
      f.severity ?? null,
      f.commanderId ?? null,
      f.linked?.type ?? null,
      f.linked?.id ?? null,
      f.cursor?.openedAt ?? null,
      f.cursor?.id ?? null,
      f.limit + 1,
    ],
  );
  const items = rows.slice(0, f.limit).map(toIncident);
  const last = items.at(-1);
  return { items, next: rows.length > f.limit && last ? { openedAt: last.openedAt, id: last.id } : null };
}

export type IncidentDetail = Incident & {
  links: IncidentLink[];
  timeline: TimelineEntry[];
  /** Tasks linked to the incident, the postmortem's follow-up actions among them. */
  tasks: Task[];
};

/** One incident with its links (alerts with their state), its timeline and its tasks. */
export async function getIncident(tx: WorkspaceTx, id: string): Promise<IncidentDetail> {
  const { rows } = await tx.query<IncidentRow>('SELECT * FROM incidents WHERE id = $1', [id]);
  const row = rows[0];
  if (!row) throw noIncident();
  const [links, timeline, tasks] = [
    await readLinks(tx, id),
    await readTimeline(tx, id),
    await listTasks(tx, { incidentId: id, limit: 500 }),
  ];
  return { ...toIncident(row), links, timeline, tasks: tasks.items };
}

/**
 * The open incidents linked to any of these hosts, oldest first: what change management asks
 * when it weighs a change's risk or looks for collisions on its hosts.
 */
export async function openIncidentsOnHosts(
  tx: WorkspaceTx,
  hostIds: readonly string[],
): Promise<Array<{ id: string; title: string; severity: IncidentSeverity; hostId: string }>> {
  if (hostIds.length === 0) return [];
  const { rows } = await tx.query<{ id: string; title: string; severity: IncidentSeverity; host_id: string }>(
    `SELECT i.id::text, i.title, i.severity, l.target_id::text AS host_id
     FROM incidents i JOIN incident_links l ON l.incident_id = i.id AND l.target_type = 'host'
     WHERE l.target_id = ANY($1::uuid[]) AND i.state = ANY($2)
     ORDER BY i.opened_at, i.id`,
    [hostIds, OPEN_INCIDENT_STATES],
  );
  return rows.map((r) => ({ id: r.id, title: r.title, severity: r.severity, hostId: r.host_id }));
}
