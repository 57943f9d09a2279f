import { type CabAgendaFilter, cabAgendaFilterSchema } from '@vigilo/shared/cab-inputs';
import { RISK_LEVELS, riskRank } from '@vigilo/shared/change-risk';
import type { WorkspaceTx } from '../db/tx.ts';

/**
 * A CAB meeting's agenda, filled from its filter: the changes waiting for approval (submitted)
 * of the types, risk and tags it names, submitted before its cut-off (the meeting's start unless
 * said otherwise). Filling again adds what newly matches at the end and drops what no longer
 * matches and was not decided yet (a change withdrawn or edited out of the filter); decided
 * items stay, they are the meeting's minutes.
 */

/** A meeting as the agenda reads it. */
export type AgendaMeeting = { id: string; starts_at: Date; agenda_filter: unknown };

/** The filter as stored, with its defaults. */
export function filterOf(meeting: Pick<AgendaMeeting, 'agenda_filter'>): CabAgendaFilter {
  return cabAgendaFilterSchema.parse(meeting.agenda_filter);
}

/** The changes the filter selects now, in the order they were submitted. */
export async function matchingChanges(tx: WorkspaceTx, meeting: AgendaMeeting): Promise<string[]> {
  const filter = filterOf(meeting);
  const risks = filter.minRisk
    ? RISK_LEVELS.filter((l) => riskRank(l) >= riskRank(filter.minRisk ?? 'low'))
    : [...RISK_LEVELS];
  const { rows } = await tx.query<{ id: string }>(
    `SELECT c.id FROM changes c
     WHERE c.state = 'submitted' AND c.submitted_at < $1
       AND (cardinality($2::text[]) = 0 OR c.type = ANY($2::text[]))
       AND c.risk_level = ANY($3::text[])
       AND (cardinality($4::text[]) = 0 OR c.affected_tags && $4::text[]
            OR EXISTS (SELECT 1 FROM hosts h WHERE h.id = ANY(c.affected_host_ids) AND h.tags && $4::text[]))
     ORDER BY c.submitted_at, c.id`,
    [filter.submittedBefore ?? meeting.starts_at, filter.types, risks, filter.tags],
  );
  return rows.map((r) => r.id);
}

/**
 * Brings the agenda in line with the filter. Returns the change ids added and removed (both empty
 * when nothing moved); the caller records it.
 */
export async function fillAgenda(
  tx: WorkspaceTx,
  meeting: AgendaMeeting,
  now: Date,
): Promise<{ added: string[]; removed: string[] }> {
  const matching = await matchingChanges(tx, meeting);
  const { rows: items } = await tx.query<{
    change_id: string;
    decision: string | null;
    position: number;
    added_reason: string | null;
  }>(
    'SELECT change_id, decision, position, added_reason FROM cab_agenda_items WHERE meeting_id = $1 ORDER BY position',
    [meeting.id],
  );
  const wanted = new Set(matching);
  const removed = items
    // Items added for a reason of their own (a risk that rose with an incident) stay.
    .filter((i) => i.decision === null && !wanted.has(i.change_id) && i.added_reason === null)
    .map((i) => i.change_id);
  const present = new Set(items.map((i) => i.change_id));
  const added = matching.filter((id) => !present.has(id));
  if (removed.length > 0)
    await tx.query('DELETE FROM cab_agenda_items WHERE meeting_id = $1 AND change_id = ANY($2::uuid[])', [
      meeting.id,
      removed,
    ]);
  if (added.length > 0) {
    const last = items.reduce((max, i) => Math.max(max, i.position), 0);
    await tx.query(
      `INSERT INTO cab_agenda_items (workspace_id, meeting_id, change_id, position, added_at)
       SELECT $1, $2, x.id, $3 + x.n, $5 FROM unnest($4::uuid[]) WITH ORDINALITY AS x(id, n)`,
      [tx.workspaceId, meeting.id, last, added, now],
    );
  }
  return { added, removed };
}
