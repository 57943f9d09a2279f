import type { WorkspaceTx } from '../db/tx.ts';
import { removeChangeMaintenance, scheduleMaintenance } from '../monitoring/alerts/maintenance.ts';

/**
 * An approved change opens a maintenance window over its affected hosts for its planned window
 * (issue 15, across the pillars): alerts hold back and SLOs do not count the approved time, and
 * nothing more — work that runs past the planned end counts against the error budget.
 *
 * The window exists while the change is approved or past it (scheduled, implementing, and once
 * done: completed, failed or rolled back keep it, as that time was approved). Withdrawn, rejected
 * or cancelled changes lose it; a re-planned change has it moved. The change-management code
 * calls this after every move and edit (changes/approval-decide.ts, change-actions.ts,
 * change-transitions.ts); it writes through the maintenance model (its audit rows and events).
 */
const COVERED_STATES = new Set([
  'approved',
  'scheduled',
  'implementing',
  'completed',
  'failed',
  'rolled_back',
]);

export type ChangePlan = {
  id: string;
  state: string;
  title: string;
  planned_start: Date | null;
  planned_end: Date | null;
  affected_host_ids: string[];
};

/** Brings the change's maintenance window in line with its state and plan; returns its id, if any. */
export async function syncChangeMaintenance(
  tx: WorkspaceTx,
  change: ChangePlan,
): Promise<string | undefined> {
  // Hosts removed since the change named them are left out (the window covers what exists).
  const hostIds =
    change.affected_host_ids.length === 0
      ? []
      : (
          await tx.query<{ id: string }>(
            'SELECT id FROM hosts WHERE id = ANY($1) AND workspace_id = $2 ORDER BY id',
            [change.affected_host_ids, tx.workspaceId],
          )
        ).rows.map((r) => r.id);
  const want =
    COVERED_STATES.has(change.state) && change.planned_start && change.planned_end && hostIds.length > 0
      ? { startsAt: change.planned_start, endsAt: change.planned_end, hostIds }
      : undefined;
  const { rows } = await tx.query<{ id: string; host_ids: string[]; starts_at: Date; ends_at: Date }>(
    'SELECT id, host_ids, starts_at, ends_at FROM maintenance_windows WHERE change_id = $1 AND workspace_id = $2 FOR UPDATE',
    [change.id, tx.workspaceId],
  );
  const have = rows[0];
  if (
    have &&
    want &&
    have.starts_at.getTime() === want.startsAt.getTime() &&
    have.ends_at.getTime() === want.endsAt.getTime() &&
    [...have.host_ids].sort().join() === want.hostIds.join()
  )
    return have.id;
  if (have) await removeChangeMaintenance(tx, change.id);
  if (!want) return undefined;
  const { id } = await scheduleMaintenance(tx, {
    name: `Change: ${change.title}`.slice(0, 100),
    hostIds: want.hostIds,
    tags: [],
    startsAt: want.startsAt,
    endsAt: want.endsAt,
    changeId: change.id,
  });
  return id;
}
