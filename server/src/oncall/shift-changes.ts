import type { ShiftStartRow } from '@vigilo/shared/oncall';
import { type Schedule, scheduleTimeline } from '@vigilo/shared/rotation';
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
 * moving: an event without an audit row. A hand-off to a member also becomes the schedule's
 * shift_starts row (migration 0026), which replicates: the member's desktop notifies them.
 */

/** How far ahead a shift's end is looked for; a shift longer than this ends there. */
const SHIFT_END_HORIZON_MS = 90 * 86_400_000;

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
          // The timeline stops at now: the shift running now ends where the schedule says.
          const until = i === timeline.length - 1 ? shiftEnd(schedule, shift.start) : shift.end;
          if (shift.userId)
            await recordShiftStart(tx, {
              schedule_id: s.id,
              user_id: shift.userId,
              previous_user_id: before.userId,
              starts_at: shift.start.toISOString(),
              ends_at: until.toISOString(),
            });
          await tx.observe('schedule.shift_changed', {
            scheduleId: s.id,
            userId: shift.userId,
            previousUserId: before.userId,
            at: shift.start.toISOString(),
            until: until.toISOString(),
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

/** The end of the stretch that starts at `start` (one person, or nobody, on call throughout). */
function shiftEnd(schedule: Schedule, start: Date): Date {
  const [stretch] = scheduleTimeline(schedule, start, new Date(start.getTime() + SHIFT_END_HORIZON_MS));
  return stretch?.end ?? start;
}

/**
 * Keeps the schedule's latest hand-off to a member: one row per schedule, so a replica that was
 * away receives the shift running now, not each one it missed.
 */
async function recordShiftStart(tx: WorkspaceTx, row: ShiftStartRow): Promise<void> {
  await tx.query(
    `INSERT INTO shift_starts (schedule_id, workspace_id, user_id, previous_user_id, starts_at, ends_at)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (schedule_id) DO UPDATE SET user_id = EXCLUDED.user_id,
       previous_user_id = EXCLUDED.previous_user_id, starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at`,
    [row.schedule_id, tx.workspaceId, row.user_id, row.previous_user_id, row.starts_at, row.ends_at],
  );
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
