import type { WorkspaceTx } from '../db/tx.ts';
import { ActionRefused } from '../domain-errors.ts';
import { changeEventPayload, type ChangeRow } from './change-records.ts';
import { type Collision, refreshCollisions } from './collisions.ts';
import { describeWindow, freezeWindowsOver } from './freeze-lookup.ts';
import { affectedHosts } from './risk.ts';

/**
 * What happens whenever a change's plan moves — it is created, its window, hosts, tags or
 * certificate are edited, or it moves to another state: a scheduled change inside a freeze
 * window is refused (naming the window) unless it is an emergency, which is flagged instead;
 * then its collisions are found again. Called by change-actions.ts and change-transitions.ts,
 * in their transaction, after the change's row was written (a refusal rolls it all back).
 */

/** The fields of a change whose edit moves its plan. */
export const PLAN_FIELDS = [
  'plannedStart',
  'plannedEnd',
  'affectedHostIds',
  'affectedTags',
  'certificateFingerprint',
  'alertIds',
  'incidentIds',
] as const;

/**
 * Checks the change as just written. `scheduling` is true when this write put it in (or moved
 * it while) `scheduled`: only then does a freeze window refuse it.
 */
export async function afterPlanMoved(
  tx: WorkspaceTx,
  change: ChangeRow,
  scheduling: boolean,
  now: Date,
): Promise<Collision[]> {
  if (scheduling && change.planned_start && change.planned_end) {
    const hosts = await affectedHosts(tx, change.affected_host_ids, change.affected_tags);
    const tags = [...new Set([...change.affected_tags, ...hosts.flatMap((h) => h.tags)])];
    const frozen = await freezeWindowsOver(
      tx,
      { start: change.planned_start, end: change.planned_end },
      tags,
    );
    if (frozen.length > 0 && change.type !== 'emergency')
      throw new ActionRefused(
        'conflict',
        `the change would be scheduled inside the freeze window ${frozen.map(describeWindow).join(' and ')}: move plannedStart and plannedEnd outside it, or raise an emergency change`,
      );
    if (frozen.length > 0)
      await tx.record({
        action: 'change.freeze_exception',
        target: { type: 'change', id: change.id },
        summary: {
          after: {
            state: change.state,
            plannedStart: change.planned_start,
            plannedEnd: change.planned_end,
            freezeWindows: frozen.map((w) => ({ id: w.id, name: w.name })),
          },
          reason: 'an emergency change may be scheduled inside a freeze window; it is flagged for review',
        },
        event: 'change.freeze_exception',
        payload: { ...changeEventPayload(change), freezeWindowIds: frozen.map((w) => w.id) },
      });
  }
  return refreshCollisions(tx, change, now);
}
