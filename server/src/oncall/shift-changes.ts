import { scheduleTimeline } from '@vigilo/shared/rotation';
import type pg from 'pg';
import { type TxContext, withWorkspace, type WorkspaceTx } from '../db/tx.ts';
import type { Job } from '../jobs/scheduler.ts';
import { loadSchedule } from './schedule-views.ts';

/**
 * Shift-change notifications: every hand-off of every schedule (a rotation's turn ending, an
 * override starting or ending) becomes one `schedule.shift_changed` event, which channels
 * subscribed to `schedule.*` announce ("Platform: alice@example.com on call"). Each schedule keeps
 * how far it has been announced (schedule_handoff_marks); a schedule seen for the first time
 * starts from now, so history is never announced. What a machine observed, like a host's status
 * moving: an event without an audit row.
 */

const JOB: TxContext = { actor: { type: 'system', id: 'shift-changes' }, requestId: undefined };

/** Announces the hand-offs of one workspace's schedules in (marker, now]. Returns how many. */
export async function announceShiftChanges(tx: WorkspaceTx, now: Date): Promise<number> {
  const { rows } = await tx.query<{ id: string; name: string; announced_until: Date | null }>(
    `SELECT s.id, s.name, m.announced_until FROM schedules s
     LEFT JOIN schedule_handoff_marks m ON m.schedule_id = s.id
     WHERE s.workspace_id = $1 ORDER BY s.id FOR UPDATE OF s`,
    [tx.workspaceId],
  );
  let announced = 0;
  for (const s of rows) {
    const since = s.announced_until;
    if (since && since < now) {
      const schedule = await loadSchedule(tx, s.id, now);
      if (schedule) {
        // The stretches from the marker on: each one after the first begins with a hand-off.
        const timeline = scheduleTimeline(schedule, since, new Date(now.getTime() + 1));
        const people = await labels(
          tx,
          timeline.map((t) => t.userId),
        );
        for (let i = 1; i < timeline.length; i++) {
          const shift = timeline[i];
          const before = timeline[i - 1];
          if (!shift || !before || shift.start > now) continue;
          const who = shift.userId ? (people.get(shift.userId) ?? shift.userId) : 'nobody';
          await tx.observe('schedule.shift_changed', {
            scheduleId: s.id,
            userId: shift.userId,
            previousUserId: before.userId,
            at: shift.start.toISOString(),
            until: shift.end.toISOString(),
            // Channels word a message from `name` (server/src/events/delivery-worker.ts).
            name: `${s.name}: ${who} on call`,
          });
          announced += 1;
        }
      }
    }
    await tx.query(
      `INSERT INTO schedule_handoff_marks (workspace_id, schedule_id, announced_until) VALUES ($1, $2, $3)
       ON CONFLICT (schedule_id) DO UPDATE SET announced_until = EXCLUDED.announced_until`,
      [tx.workspaceId, s.id, now],
    );
  }
  return announced;
}

async function labels(tx: WorkspaceTx, ids: Array<string | null>): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
  if (wanted.length === 0) return new Map();
  const { rows } = await tx.query<{ id: string; label: string }>(
    `SELECT u.id, coalesce(u.name, u.email, u.id::text) AS label FROM users u
     JOIN memberships m ON m.user_id = u.id WHERE u.id = ANY($1::uuid[])`,
    [wanted],
  );
  return new Map(rows.map((r) => [r.id, r.label]));
}

/** The job: every minute, every workspace with schedules, each in its own transaction. */
export function shiftChangeJobs(owner: pg.Pool): Job[] {
  return [
    {
      name: 'shift-changes',
      everyMs: 60_000,
      run: async (now) => {
        const { rows } = await owner.query<{ workspace_id: string }>(
          'SELECT DISTINCT workspace_id FROM schedules ORDER BY workspace_id',
        );
        for (const { workspace_id: id } of rows)
          await withWorkspace(owner, id, JOB, (tx) => announceShiftChanges(tx, now));
      },
    },
  ];
}
