import { AlertScope, inScope } from '@vigilo/shared/alert-rules';
import { escalationStepSchema } from '@vigilo/shared/oncall';
import { coverageGaps } from '@vigilo/shared/rotation';
import { z } from 'zod';
import type { WorkspaceTx } from '../db/tx.ts';
import { loadSchedule } from '../oncall/schedule-views.ts';
import type { CollisionFinding } from './collision-detect.ts';
import { when } from './freeze-lookup.ts';

/**
 * Across the pillars (issue 15): a change planned when nobody would be paged for one of its
 * hosts collides with the on-call schedules. A host is covered at an instant when an escalation
 * policy routed to it (through one of its tags, or a rule whose scope holds it) names members —
 * always paged — or a schedule with someone on call then ("who is on call at T" is the rotation
 * math of shared/src/rotation.ts, over server/src/oncall/). Workspaces that use no on-call
 * (no schedule at all) get no such collision: nothing to check against, and no noise.
 */
type Host = { id: string; hostname: string; tags: string[] };
type Interval = { start: Date; end: Date };

const steps = z.array(escalationStepSchema);

export async function oncallGaps(
  tx: WorkspaceTx,
  hosts: Host[],
  start: Date,
  end: Date,
): Promise<CollisionFinding[]> {
  if (hosts.length === 0) return [];
  const used = await tx.query('SELECT 1 FROM schedules WHERE workspace_id = $1 LIMIT 1', [tx.workspaceId]);
  if (!used.rowCount) return [];
  const routes = (
    await tx.query<{ tag: string | null; scope: unknown; steps: unknown }>(
      `SELECT r.tag, ar.scope, p.steps FROM alert_routes r
       JOIN escalation_policies p ON p.id = r.policy_id
       LEFT JOIN alert_rules ar ON ar.id = r.rule_id AND ar.enabled
       WHERE r.workspace_id = $1 AND (r.tag IS NOT NULL OR ar.id IS NOT NULL)`,
      [tx.workspaceId],
    )
  ).rows.map((r) => ({
    covers: (h: Host) => (r.tag !== null ? h.tags.includes(r.tag) : inScope(AlertScope.parse(r.scope), h)),
    targets: steps.parse(r.steps).flatMap((s) => s.targets),
  }));
  const schedules = new Map<string, Interval[]>();
  const gapsOf = async (scheduleId: string): Promise<Interval[]> => {
    let gaps = schedules.get(scheduleId);
    if (!gaps) {
      const schedule = await loadSchedule(tx, scheduleId, start);
      gaps = schedule ? coverageGaps(schedule, start, end) : [{ start, end }];
      schedules.set(scheduleId, gaps);
    }
    return gaps;
  };

  const found: CollisionFinding[] = [];
  for (const host of hosts) {
    const targets = routes.filter((r) => r.covers(host)).flatMap((r) => r.targets);
    if (targets.some((t) => t.kind === 'members')) continue;
    // Uncovered where every schedule paging for the host has a gap (none at all: the whole window).
    let uncovered: Interval[] = [{ start, end }];
    for (const t of targets)
      if (t.kind === 'schedule') uncovered = intersect(uncovered, await gapsOf(t.scheduleId));
    const first = uncovered[0];
    if (!first) continue;
    found.push({
      kind: 'no_oncall_coverage',
      reason:
        targets.length === 0
          ? `no escalation policy pages anyone for ${host.hostname} during the planned window`
          : `nobody is on call for ${host.hostname} from ${when(first.start)} to ${when(first.end)}${uncovered.length > 1 ? ` (and ${uncovered.length - 1} more gaps)` : ''}`,
      otherChangeId: null,
      hostId: host.id,
      freezeWindowId: null,
    });
  }
  return found;
}

/** The stretches in both lists (each sorted, non-overlapping). */
function intersect(a: Interval[], b: Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const x of a)
    for (const y of b) {
      const start = x.start > y.start ? x.start : y.start;
      const end = x.end < y.end ? x.end : y.end;
      if (start < end) out.push({ start, end });
    }
  return out.sort((p, q) => p.start.getTime() - q.start.getTime());
}
