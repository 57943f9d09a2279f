import {
  type IncidentSeverity,
  type IncidentState,
  OPEN_INCIDENT_STATES,
  transitionRefusal,
} from '@vigilo/shared/incident-states';
import type { Actor, WorkspaceTx } from '../db/tx.ts';
import { ActionRefused, invalidField } from '../domain-errors.ts';
import { actorRef } from '../monitoring/alerts/alert-actions.ts';
import { requireMember } from '../workspaces/member-check.ts';
import { addLinks, type LinkTargets } from './incident-links.ts';
import {
  type Incident,
  lockIncident,
  requireNotClosed,
  toIncident,
  type IncidentRow,
} from './incident-records.ts';
import { appendTimeline } from './incident-timeline.ts';

/**
 * Opening an incident, changing its fields and moving it through its states: written once and
 * called by the `incidents.*` procedures (and the outbox where a kind exists). Each change
 * writes its timeline entry, its audit row and its event in the caller's transaction. The state
 * machine is shared/src/incident-states.ts; refusals are `ActionRefused`.
 */

/**
 * The severity an incident opened from an alert starts with. SEV1 is a person's call (customers
 * down), never an automatic one; the opener can raise it at once.
 */
const SEVERITY_FROM_ALERT: Record<string, IncidentSeverity> = {
  critical: 'SEV2',
  warning: 'SEV3',
  info: 'SEV4',
};

type SourceAlert = { id: string; summary: string; severity: string; hostname: string };

/**
 * Locks the alert an incident is opened from, and refuses when it already belongs to an open
 * incident: two people clicking "open incident" on the same alert get one incident, and the
 * second is told which. The lock makes the check hold against a concurrent opening.
 */
async function sourceAlert(tx: WorkspaceTx, alertId: string): Promise<SourceAlert> {
  const { rows } = await tx.query<SourceAlert>(
    `SELECT a.id::text, a.summary, a.severity, h.hostname FROM alerts a JOIN hosts h ON h.id = a.host_id
     WHERE a.id = $1 FOR UPDATE OF a`,
    [alertId],
  );
  const alert = rows[0];
  if (!alert) throw invalidField(['fromAlertId'], 'no such alert in this workspace');
  const open = await tx.query<{ id: string; title: string }>(
    `SELECT i.id::text, i.title FROM incident_links l JOIN incidents i ON i.id = l.incident_id
     WHERE l.target_type = 'alert' AND l.target_id = $1 AND i.state = ANY($2) ORDER BY i.opened_at LIMIT 1`,
    [alertId, OPEN_INCIDENT_STATES],
  );
  const existing = open.rows[0];
  if (existing)
    throw new ActionRefused(
      'conflict',
      `the alert is already part of the open incident "${existing.title}" (${existing.id})`,
    );
  return alert;
}

export type OpenIncidentInput = {
  title?: string | undefined;
  summary?: string | undefined;
  severity?: IncidentSeverity | undefined;
  /** Omitted: the person opening it, when it is a person. */
  commanderId?: string | undefined;
  /** The alert it is opened from: linked both ways, with its host; gives title and severity. */
  fromAlertId?: string | undefined;
  targets: LinkTargets;
  actor: Actor;
  now: Date;
};

/** Opens an incident (state investigating) with its links and its first timeline entry. */
export async function openIncident(tx: WorkspaceTx, input: OpenIncidentInput): Promise<Incident> {
  const alert = input.fromAlertId ? await sourceAlert(tx, input.fromAlertId) : undefined;
  const title = input.title ?? (alert ? `${alert.summary} on ${alert.hostname}`.slice(0, 200) : undefined);
  if (!title) throw invalidField(['title'], 'give a title, or open the incident from an alert');
  const severity = input.severity ?? (alert ? (SEVERITY_FROM_ALERT[alert.severity] ?? 'SEV3') : undefined);
  if (!severity) throw invalidField(['severity'], 'give a severity, or open the incident from an alert');
  if (input.commanderId !== undefined)
    await requireMember(tx, { userId: input.commanderId, field: ['commanderId'], now: input.now });
  const commanderId = input.commanderId ?? (input.actor.type === 'user' ? input.actor.id : null);

  const { rows } = await tx.query<IncidentRow>(
    `INSERT INTO incidents (workspace_id, title, summary, severity, commander_id, opened_by, opened_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING *`,
    [tx.workspaceId, title, input.summary ?? '', severity, commanderId, actorRef(input.actor), input.now],
  );
  const row = rows[0] as IncidentRow;
  await appendTimeline(tx, {
    incidentId: row.id,
    kind: 'opened',
    detail: { severity, title, commanderId, fromAlertId: alert?.id ?? null },
    actor: input.actor,
    at: input.now,
  });
  const alertIds = [...(alert ? [alert.id] : []), ...(input.targets.alertIds ?? [])];
  const linked = await addLinks(tx, {
    incidentId: row.id,
    targets: { ...input.targets, alertIds },
    actor: input.actor,
    now: input.now,
  });
  const links = linked.map((l) => ({ type: l.type, targetId: l.targetId }));
  await tx.record({
    action: 'incident.opened',
    target: { type: 'incident', id: row.id },
    summary: { after: { title, severity, commanderId, fromAlertId: alert?.id ?? null, links } },
    event: 'incident.opened',
    payload: { incidentId: row.id, title, severity, commanderId, fromAlertId: alert?.id ?? null, links },
  });
  return toIncident(row);
}

export type IncidentPatch = {
  title?: string | undefined;
  summary?: string | undefined;
  severity?: IncidentSeverity | undefined;
  /** null: no commander. */
  commanderId?: string | null | undefined;
};

/**
 * Changes an incident's title, summary, severity or commander; what is not given is kept, and a
 * patch that changes nothing writes nothing. The timeline says what changed (a summary's text is
 * in the audit row, not repeated on the timeline). A closed incident is final.
 */
export async function updateIncident(
  tx: WorkspaceTx,
  input: { incidentId: string; patch: IncidentPatch; actor: Actor; now: Date },
): Promise<Incident> {
  const prev = await lockIncident(tx, input.incidentId);
  requireNotClosed(prev, 'editing');
  const p = input.patch;
  if (p.commanderId && p.commanderId !== prev.commander_id)
    await requireMember(tx, { userId: p.commanderId, field: ['commanderId'], now: input.now });
  const next = {
    title: p.title ?? prev.title,
    summary: p.summary ?? prev.summary,
    severity: p.severity ?? prev.severity,
    commander_id: p.commanderId !== undefined ? p.commanderId : prev.commander_id,
  };
  const changed = (Object.keys(next) as Array<keyof typeof next>).filter((k) => next[k] !== prev[k]);
  if (changed.length === 0) return toIncident(prev);

  const { rows } = await tx.query<IncidentRow>(
    `UPDATE incidents SET title = $2, summary = $3, severity = $4, commander_id = $5, updated_at = $6
     WHERE id = $1 RETURNING *`,
    [input.incidentId, next.title, next.summary, next.severity, next.commander_id, input.now],
  );
  const fromTo = (k: keyof typeof next) => ({ from: prev[k], to: next[k] });
  const timeline = Object.fromEntries(
    changed.map((k) => [k, k === 'summary' ? { changed: true } : fromTo(k)]),
  );
  await appendTimeline(tx, {
    incidentId: input.incidentId,
    kind: 'updated',
    detail: { changes: timeline },
    actor: input.actor,
    at: input.now,
  });
  await tx.record({
    action: 'incident.updated',
    target: { type: 'incident', id: input.incidentId },
    summary: {
      before: Object.fromEntries(changed.map((k) => [k, prev[k]])),
      after: Object.fromEntries(changed.map((k) => [k, next[k]])),
    },
    event: 'incident.updated',
    payload: { incidentId: input.incidentId, title: next.title, severity: next.severity, changed },
  });
  return toIncident(rows[0] as IncidentRow);
}

/**
 * Moves an incident to another state, if the state machine allows it from where it is now. With
 * `expectedState` (what the caller saw), an incident someone else moved meanwhile is a `stale`
 * refusal rather than a move from a state the caller never saw. An illegal move is refused
 * naming `to` and the moves allowed instead.
 */
export async function transitionIncident(
  tx: WorkspaceTx,
  input: {
    incidentId: string;
    to: IncidentState;
    expectedState?: IncidentState | undefined;
    note?: string | undefined;
    actor: Actor;
    now: Date;
  },
): Promise<Incident> {
  const prev = await lockIncident(tx, input.incidentId);
  if (input.expectedState !== undefined && input.expectedState !== prev.state)
    throw new ActionRefused('stale', `the incident is ${prev.state} now, no longer ${input.expectedState}`);
  const refusal = transitionRefusal(prev.state, input.to);
  if (refusal) throw invalidField(['to'], refusal);

  // Resolution time: set on resolving, kept on closing, cleared on going back to work on it.
  const resolvedAt = input.to === 'resolved' ? input.now : input.to === 'closed' ? prev.resolved_at : null;
  const closedAt = input.to === 'closed' ? input.now : null;
  const { rows } = await tx.query<IncidentRow>(
    `UPDATE incidents SET state = $2, resolved_at = $3, closed_at = $4, updated_at = $5 WHERE id = $1 RETURNING *`,
    [input.incidentId, input.to, resolvedAt, closedAt, input.now],
  );
  await appendTimeline(tx, {
    incidentId: input.incidentId,
    kind: 'transitioned',
    detail: { from: prev.state, to: input.to },
    body: input.note,
    actor: input.actor,
    at: input.now,
  });
  await tx.record({
    action: 'incident.transitioned',
    target: { type: 'incident', id: input.incidentId },
    summary: { before: { state: prev.state }, after: { state: input.to, note: input.note ?? null } },
    event: 'incident.transitioned',
    payload: {
      incidentId: input.incidentId,
      title: prev.title,
      severity: prev.severity,
      from: prev.state,
      to: input.to,
    },
  });
  return toIncident(rows[0] as IncidentRow);
}
