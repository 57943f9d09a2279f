import { riskRank } from '@vigilo/shared/change-risk';
import type { WorkspaceTx } from '../db/tx.ts';
import { changeEventPayload, type ChangeRow } from './change-records.ts';
import { scoreChange } from './risk.ts';

/**
 * Across the pillars (issue 15): when an incident is linked to hosts, the changes still to be
 * carried out on them (submitted, approved, scheduled) are scored again — an open incident on a
 * change's hosts is one of the risk rules' facts. A change whose risk level rose is added to the
 * next planned CAB meeting's agenda, with the reason, so the board looks at it again before it
 * goes ahead. Called by incidents/incident-links.ts once the links are written.
 */
const OPEN_STATES = ['submitted', 'approved', 'scheduled'];

export async function reassessForIncident(
  tx: WorkspaceTx,
  input: { incidentId: string; hostIds: string[]; now: Date },
): Promise<Array<{ changeId: string; meetingId: string | null }>> {
  if (input.hostIds.length === 0) return [];
  const { rows } = await tx.query<ChangeRow>(
    `SELECT c.* FROM changes c
     WHERE c.workspace_id = $1 AND c.state = ANY($2::text[])
       AND (c.affected_host_ids && $3::uuid[]
            OR c.affected_tags && (SELECT coalesce(array_agg(DISTINCT t), '{}') FROM hosts h, unnest(h.tags) t WHERE h.id = ANY($3::uuid[])))
     ORDER BY c.id FOR UPDATE OF c`,
    [tx.workspaceId, OPEN_STATES, input.hostIds],
  );
  const raised: Array<{ changeId: string; meetingId: string | null }> = [];
  for (const change of rows) {
    const risk = await scoreChange(
      tx,
      {
        answers: change.risk_answers,
        hostIds: change.affected_host_ids,
        tags: change.affected_tags,
        plannedStart: change.planned_start,
      },
      input.now,
    );
    if (riskRank(risk.level) <= riskRank(change.risk_level)) continue;
    // The risk fields only: the revision stays, so approvals already given are not voided —
    // the CAB's second look is the answer to a risk that rose after them.
    const { rows: updated } = await tx.query<ChangeRow>(
      'UPDATE changes SET risk_level = $2, risk_score = $3, risk_reasons = $4, updated_at = $5 WHERE id = $1 RETURNING *',
      [change.id, risk.level, risk.score, JSON.stringify(risk.reasons), input.now],
    );
    const after = updated[0] as ChangeRow;
    await tx.record({
      action: 'change.updated',
      target: { type: 'change', id: change.id },
      summary: {
        before: { riskLevel: change.risk_level, riskScore: change.risk_score },
        after: { riskLevel: risk.level, riskScore: risk.score },
        reason: 'an incident was opened on its hosts',
        incidentId: input.incidentId,
      },
      event: 'change.updated',
      payload: { ...changeEventPayload(after), fields: ['risk'], incidentId: input.incidentId },
    });
    raised.push({
      changeId: change.id,
      meetingId: await addToNextCab(tx, after, input.incidentId, input.now),
    });
  }
  return raised;
}

/** Puts the change last on the next planned CAB meeting's agenda, unless it is on it already. */
async function addToNextCab(
  tx: WorkspaceTx,
  change: ChangeRow,
  incidentId: string,
  now: Date,
): Promise<string | null> {
  const { rows } = await tx.query<{ id: string; title: string }>(
    `SELECT id, title FROM cab_meetings WHERE workspace_id = $1 AND state = 'planned' AND starts_at > $2
     ORDER BY starts_at, id LIMIT 1 FOR UPDATE`,
    [tx.workspaceId, now],
  );
  const meeting = rows[0];
  if (!meeting) return null;
  const reason = `risk rose to ${change.risk_level} with an incident on its hosts`;
  const inserted = await tx.query(
    `INSERT INTO cab_agenda_items (workspace_id, meeting_id, change_id, position, added_at, added_reason)
     SELECT $1, $2, $3, coalesce(max(position), 0) + 1, $4, $5 FROM cab_agenda_items WHERE meeting_id = $2
     ON CONFLICT (meeting_id, change_id) DO NOTHING`,
    [tx.workspaceId, meeting.id, change.id, now, reason],
  );
  if (inserted.rowCount === 0) return meeting.id;
  const moved = { added: [change.id], removed: [] };
  await tx.record({
    action: 'cab_meeting.agenda_updated',
    target: { type: 'cab_meeting', id: meeting.id },
    summary: { after: moved, reason, incidentId },
    event: 'cab_meeting.agenda_updated',
    payload: { meetingId: meeting.id, title: meeting.title, ...moved, reason },
  });
  return meeting.id;
}
