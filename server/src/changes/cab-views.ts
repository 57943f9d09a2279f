import type { RiskLevel } from '@vigilo/shared/change-risk';
import type { WorkspaceTx } from '../db/tx.ts';
import { ActionRefused } from '../domain-errors.ts';
import { type CabMeeting, type MeetingRow, meetingView } from './cab-meetings.ts';
import { displayNames } from './people.ts';

/** Reading CAB meetings: the list with how far each agenda got, and one meeting in full. */

type Person = { id: string; name: string };

/** Meetings, the latest first (those from `from` on when given), with their agenda counts. */
export async function listMeetings(
  tx: WorkspaceTx,
  from: Date | undefined,
): Promise<Array<CabMeeting & { agendaItems: number; decided: number }>> {
  const { rows } = await tx.query<MeetingRow & { items: number; decided: number }>(
    `SELECT m.*, (SELECT count(*)::int FROM cab_agenda_items i WHERE i.meeting_id = m.id) AS items,
            (SELECT count(*)::int FROM cab_agenda_items i WHERE i.meeting_id = m.id AND i.decision IS NOT NULL) AS decided
     FROM cab_meetings m ${from ? 'WHERE m.ends_at >= $1' : ''} ORDER BY m.starts_at DESC, m.id LIMIT 500`,
    from ? [from] : [],
  );
  return rows.map((r) => ({ ...meetingView(r), agendaItems: r.items, decided: r.decided }));
}

/** One item of an agenda: the change as the board sees it, its CAB step, and the decision. */
export type AgendaItem = {
  position: number;
  addedAt: Date;
  change: {
    id: string;
    title: string;
    type: string;
    state: string;
    risk: RiskLevel;
    requester: Person;
    submittedAt: Date | null;
    plannedStart: Date | null;
    plannedEnd: Date | null;
  };
  /** The change's CAB step for its current revision; null when its policy has none. */
  cabStep: { requestId: string; step: number; stepName: string; state: string } | null;
  decision: 'approve' | 'reject' | null;
  comment: string;
  decidedBy: Person | null;
  decidedAt: Date | null;
};

type ItemRow = {
  position: number;
  added_at: Date;
  decision: 'approve' | 'reject' | null;
  comment: string;
  decided_by: string | null;
  decided_at: Date | null;
  change_id: string;
  title: string;
  type: string;
  state: string;
  risk_level: RiskLevel;
  requester_id: string;
  submitted_at: Date | null;
  planned_start: Date | null;
  planned_end: Date | null;
  request_id: string | null;
  step: number | null;
  step_name: string | null;
  step_state: string | null;
};

/** A meeting with its attendees named and its agenda in order. */
export async function getMeeting(
  tx: WorkspaceTx,
  id: string,
): Promise<CabMeeting & { attendees: Person[]; agenda: AgendaItem[] }> {
  const { rows } = await tx.query<MeetingRow>('SELECT * FROM cab_meetings WHERE id = $1', [id]);
  const meeting = rows[0];
  if (!meeting) throw new ActionRefused('not_found', 'no such CAB meeting in this workspace');
  const items = (
    await tx.query<ItemRow>(
      `SELECT i.position, i.added_at, i.decision, i.comment, i.decided_by, i.decided_at,
              c.id AS change_id, c.title, c.type, c.state, c.risk_level, c.requester_id, c.submitted_at,
              c.planned_start, c.planned_end, r.id AS request_id, r.position AS step, r.step_name, r.state AS step_state
       FROM cab_agenda_items i JOIN changes c ON c.id = i.change_id
       LEFT JOIN LATERAL (SELECT * FROM approval_requests r WHERE r.change_id = c.id AND r.cab AND r.kind = 'approval'
                          ORDER BY r.revision DESC, r.created_at DESC, r.position LIMIT 1) r ON true
       WHERE i.meeting_id = $1 ORDER BY i.position`,
      [id],
    )
  ).rows;
  const names = await displayNames(tx, [
    ...meeting.attendee_ids,
    ...items.flatMap((i) => [i.requester_id, ...(i.decided_by ? [i.decided_by] : [])]),
  ]);
  const person = (pid: string): Person => ({ id: pid, name: names.get(pid) ?? pid });
  return {
    ...meetingView(meeting),
    attendees: meeting.attendee_ids.map(person),
    agenda: items.map((i) => ({
      position: i.position,
      addedAt: i.added_at,
      change: {
        id: i.change_id,
        title: i.title,
        type: i.type,
        state: i.state,
        risk: i.risk_level,
        requester: person(i.requester_id),
        submittedAt: i.submitted_at,
        plannedStart: i.planned_start,
        plannedEnd: i.planned_end,
      },
      cabStep:
        i.request_id && i.step !== null && i.step_name !== null && i.step_state !== null
          ? { requestId: i.request_id, step: i.step, stepName: i.step_name, state: i.step_state }
          : null,
      decision: i.decision,
      comment: i.comment,
      decidedBy: i.decided_by ? person(i.decided_by) : null,
      decidedAt: i.decided_at,
    })),
  };
}
