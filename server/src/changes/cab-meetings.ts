import type { CabMeetingInput, CabMeetingPatch, CabMeetingState } from '@vigilo/shared/cab-inputs';
import type { Actor, WorkspaceTx } from '../db/tx.ts';
import { ActionRefused, invalidField } from '../domain-errors.ts';
import { type AgendaMeeting, fillAgenda, filterOf } from './cab-agenda.ts';
import { requireMembers } from './people.ts';

/**
 * Change advisory board meetings: planned with a date, attendees and the filter that fills their
 * agenda (cab-agenda.ts), then closed (the minutes are final) or cancelled. Their decisions are
 * cab-decisions.ts; reading them with their agenda is cab-views.ts. A meeting is never deleted:
 * its decisions are part of changes' approval trails.
 */

/** A meeting as stored. */
export type MeetingRow = AgendaMeeting & {
  title: string;
  ends_at: Date;
  attendee_ids: string[];
  state: CabMeetingState;
  created_by: string;
  created_at: Date;
  updated_at: Date;
};

/** A meeting as the API returns it (without its agenda). */
export function meetingView(r: MeetingRow) {
  return {
    id: r.id,
    title: r.title,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    attendeeIds: r.attendee_ids,
    filter: filterOf(r),
    state: r.state,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
export type CabMeeting = ReturnType<typeof meetingView>;

/** Reads a meeting for change (locked), or refuses when there is none. */
export async function lockMeeting(tx: WorkspaceTx, id: string): Promise<MeetingRow> {
  const { rows } = await tx.query<MeetingRow>('SELECT * FROM cab_meetings WHERE id = $1 FOR UPDATE', [id]);
  const row = rows[0];
  if (!row) throw new ActionRefused('not_found', 'no such CAB meeting in this workspace');
  return row;
}

/** Refuses any change to a meeting that is over. */
export function requirePlanned(meeting: MeetingRow): void {
  if (meeting.state !== 'planned')
    throw new ActionRefused(
      'stale',
      `the meeting "${meeting.title}" is ${meeting.state}: it can no longer change`,
    );
}

/** Plans a meeting and fills its agenda from its filter. */
export async function createMeeting(
  tx: WorkspaceTx,
  input: CabMeetingInput,
  actor: Actor,
  now: Date,
): Promise<CabMeeting & { agenda: string[] }> {
  if (input.endsAt <= input.startsAt) throw invalidField(['endsAt'], 'endsAt must be after startsAt');
  await requireMembers(tx, input.attendeeIds, ['attendeeIds'], now);
  const { rows } = await tx.query<MeetingRow>(
    `INSERT INTO cab_meetings (workspace_id, title, starts_at, ends_at, attendee_ids, agenda_filter, created_by, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING *`,
    [
      tx.workspaceId,
      input.title,
      input.startsAt,
      input.endsAt,
      [...new Set(input.attendeeIds)],
      JSON.stringify(input.filter),
      actor.id,
      now,
    ],
  );
  const row = rows[0] as MeetingRow;
  const { added } = await fillAgenda(tx, row, now);
  await tx.record({
    action: 'cab_meeting.created',
    target: { type: 'cab_meeting', id: row.id },
    summary: { after: { ...summaryOf(row), agenda: added } },
    event: 'cab_meeting.created',
    payload: { meetingId: row.id, title: row.title, startsAt: row.starts_at, agenda: added },
  });
  return { ...meetingView(row), agenda: added };
}

/**
 * Edits a planned meeting; a new filter or start fills the agenda again. `state` closes the
 * meeting (its minutes are final: no more decisions) or cancels it.
 */
export async function updateMeeting(
  tx: WorkspaceTx,
  patch: CabMeetingPatch,
  now: Date,
): Promise<CabMeeting & { agenda: { added: string[]; removed: string[] } }> {
  const before = await lockMeeting(tx, patch.id);
  requirePlanned(before);
  const startsAt = patch.startsAt ?? before.starts_at;
  const endsAt = patch.endsAt ?? before.ends_at;
  if (endsAt <= startsAt) throw invalidField(['endsAt'], 'endsAt must be after startsAt');
  if (patch.attendeeIds) await requireMembers(tx, patch.attendeeIds, ['attendeeIds'], now);
  const { rows } = await tx.query<MeetingRow>(
    `UPDATE cab_meetings SET title = $2, starts_at = $3, ends_at = $4, attendee_ids = $5, agenda_filter = $6,
       state = $7, updated_at = $8
     WHERE id = $1 RETURNING *`,
    [
      before.id,
      patch.title ?? before.title,
      startsAt,
      endsAt,
      patch.attendeeIds ? [...new Set(patch.attendeeIds)] : before.attendee_ids,
      JSON.stringify(patch.filter ?? filterOf(before)),
      patch.state ?? before.state,
      now,
    ],
  );
  const row = rows[0] as MeetingRow;
  await tx.record({
    action: 'cab_meeting.updated',
    target: { type: 'cab_meeting', id: row.id },
    summary: { before: summaryOf(before), after: summaryOf(row) },
    event: 'cab_meeting.updated',
    payload: { meetingId: row.id, title: row.title, state: row.state },
  });
  const refill = row.state === 'planned' && (patch.filter !== undefined || patch.startsAt !== undefined);
  const agenda = refill ? await recordAgenda(tx, row, now) : { added: [], removed: [] };
  return { ...meetingView(row), agenda };
}

/** Fills a planned meeting's agenda again (changes submitted since, or withdrawn). */
export async function refreshAgenda(
  tx: WorkspaceTx,
  id: string,
  now: Date,
): Promise<{ added: string[]; removed: string[] }> {
  const meeting = await lockMeeting(tx, id);
  requirePlanned(meeting);
  return recordAgenda(tx, meeting, now);
}

async function recordAgenda(
  tx: WorkspaceTx,
  meeting: MeetingRow,
  now: Date,
): Promise<{ added: string[]; removed: string[] }> {
  const moved = await fillAgenda(tx, meeting, now);
  if (moved.added.length > 0 || moved.removed.length > 0)
    await tx.record({
      action: 'cab_meeting.agenda_updated',
      target: { type: 'cab_meeting', id: meeting.id },
      summary: { after: moved },
      event: 'cab_meeting.agenda_updated',
      payload: { meetingId: meeting.id, title: meeting.title, ...moved },
    });
  return moved;
}

function summaryOf(m: MeetingRow): Record<string, unknown> {
  return {
    title: m.title,
    startsAt: m.starts_at,
    endsAt: m.ends_at,
    attendeeIds: m.attendee_ids,
    filter: m.agenda_filter,
    state: m.state,
  };
}
