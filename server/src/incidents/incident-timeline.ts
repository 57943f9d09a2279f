import type { Actor, WorkspaceTx } from '../db/tx.ts';
import { invalidField } from '../domain-errors.ts';
import { actorRef } from '../monitoring/alerts/alert-actions.ts';
import { lockIncident } from './incident-records.ts';

/**
 * An incident's timeline: what happened, in order. The domain functions of this folder append
 * to it in the transaction of each change (opened, transitioned, updated, linked, postmortem),
 * so no caller can change an incident without its timeline saying so; people add notes. The
 * table is append-only for the app (0010_incidents.sql).
 */

export const TIMELINE_KINDS = ['opened', 'transitioned', 'updated', 'note', 'linked', 'postmortem'] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

export type TimelineEntry = {
  id: string;
  kind: TimelineKind;
  body: string | null;
  detail: Record<string, unknown>;
  actor: string;
  at: Date;
};

/** Appends one entry. Only for this folder's functions, inside the change it records. */
export async function appendTimeline(
  tx: WorkspaceTx,
  entry: {
    incidentId: string;
    kind: Exclude<TimelineKind, 'note'>;
    detail: Record<string, unknown>;
    body?: string | undefined;
    actor: Actor;
    at: Date;
  },
): Promise<void> {
  await tx.query(
    `INSERT INTO incident_timeline (workspace_id, incident_id, kind, body, detail, actor, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      tx.workspaceId,
      entry.incidentId,
      entry.kind,
      entry.body ?? null,
      entry.detail,
      actorRef(entry.actor),
      entry.at,
    ],
  );
}

/**
 * Adds a note to an incident's timeline. The id is the client's (the on-call engineer's desktop
 * writes the note offline under it), so the same note sent twice is one note. Notes are taken in
 * every state, closed included: a note is history, and one typed offline must not be lost
 * because someone closed the incident meanwhile.
 */
export async function noteIncident(
  tx: WorkspaceTx,
  input: { incidentId: string; noteId: string; body: string; actor: Actor; now: Date },
): Promise<{ id: string; at: Date }> {
  const incident = await lockIncident(tx, input.incidentId);
  const by = actorRef(input.actor);
  const inserted = await tx.query<{ at: Date }>(
    `INSERT INTO incident_timeline (id, workspace_id, incident_id, kind, body, actor, at)
     VALUES ($1, $2, $3, 'note', $4, $5, $6) ON CONFLICT (workspace_id, id) DO NOTHING RETURNING at`,
    [input.noteId, tx.workspaceId, input.incidentId, input.body, by, input.now],
  );
  const created = inserted.rows[0];
  if (!created) {
    // Sent before: the same note again is that note; anything else under its id is refused.
    const { rows } = await tx.query<{ at: Date; actor: string; incident_id: string; kind: string }>(
      'SELECT at, actor, incident_id::text, kind FROM incident_timeline WHERE id = $1',
      [input.noteId],
    );
    const existing = rows[0];
    if (
      !existing ||
      existing.kind !== 'note' ||
      existing.actor !== by ||
      existing.incident_id !== input.incidentId
    )
      throw invalidField(['noteId'], 'is already used by another timeline entry');
    return { id: input.noteId, at: existing.at };
  }
  await tx.record({
    action: 'incident.noted',
    target: { type: 'incident', id: input.incidentId },
    summary: { after: { noteId: input.noteId, body: input.body } },
    event: 'incident.noted',
    payload: { incidentId: input.incidentId, noteId: input.noteId, title: incident.title, author: by },
  });
  return { id: input.noteId, at: created.at };
}

/** An incident's timeline, oldest first. */
export async function readTimeline(tx: WorkspaceTx, incidentId: string): Promise<TimelineEntry[]> {
  const { rows } = await tx.query<{
    id: string;
    kind: TimelineKind;
    body: string | null;
    detail: Record<string, unknown>;
    actor: string;
    at: Date;
  }>(
    `SELECT id, kind, body, detail, actor, at FROM incident_timeline
     WHERE incident_id = $1 ORDER BY at, seq`,
    [incidentId],
  );
  return rows;
}
