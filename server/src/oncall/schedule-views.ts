import { layerOfRow, type LayerRow, type OverrideRow, overridesOfRows } from '@vigilo/shared/oncall';
import {
  coverageGaps,
  nextShifts,
  onCallAt,
  type Schedule,
  type Shift,
  type ShiftLength,
} from '@vigilo/shared/rotation';
import type { WorkspaceTx } from '../db/tx.ts';
import { ActionRefused } from '../domain-errors.ts';

/**
 * Reading schedules and asking who is on call. The rows are read under the workspace's row
 * security and handed to the pure rotation math (shared/src/rotation.ts): the server, the desktop
 * replica and other domains (change collisions, status pages) get the same answer.
 */

export type LayerView = {
  id: string;
  name: string;
  level: number;
  memberIds: string[];
  length: ShiftLength;
  handoffTime: string;
  timeZone: string;
  startsAt: Date;
  endsAt: Date | null;
};
export type OverrideView = {
  id: string;
  userId: string;
  startsAt: Date;
  endsAt: Date;
  reason: string;
  createdBy: string;
};
export type ScheduleView = {
  id: string;
  name: string;
  description: string;
  layers: LayerView[];
  overrides: OverrideView[];
  /** Who is on call now (null: nobody). */
  onCallNow: string | null;
  /** Stretches of the next `gapDays` days with nobody on call: warnings, never refusals. */
  gaps: Array<{ start: Date; end: Date }>;
};

type LayerDbRow = LayerRow & { schedule_id: string; name: string; starts_at: Date; ends_at: Date | null };
type OverrideDbRow = OverrideRow & {
  schedule_id: string;
  reason: string;
  created_by: string;
  starts_at: Date;
  ends_at: Date;
  created_at: Date;
};

/** How far ahead coverage gaps are reported. */
export const GAP_HORIZON_DAYS = 14;

async function loadRows(tx: WorkspaceTx, scheduleId: string | undefined, now: Date) {
  const filter = scheduleId ? 'WHERE id = $1' : '';
  const args = scheduleId ? [scheduleId] : [];
  const schedules = await tx.query<{ id: string; name: string; description: string }>(
    `SELECT id, name, description FROM schedules ${filter} ORDER BY name`,
    args,
  );
  const ids = schedules.rows.map((s) => s.id);
  const layers = await tx.query<LayerDbRow>(
    `SELECT id, schedule_id, name, level, member_ids::text[] AS member_ids, length_kind, length_hours, handoff_time,
            time_zone, starts_at, ends_at
     FROM schedule_layers WHERE schedule_id = ANY($1) ORDER BY level, created_at`,
    [ids],
  );
  // Overrides long past change nothing any more; a month back keeps recent history visible.
  const overrides = await tx.query<OverrideDbRow>(
    `SELECT id, schedule_id, user_id, starts_at, ends_at, reason, created_by, created_at
     FROM schedule_overrides WHERE schedule_id = ANY($1) AND ends_at > $2 ORDER BY created_at`,
    [ids, new Date(now.getTime() - 30 * 86_400_000)],
  );
  return { schedules: schedules.rows, layers: layers.rows, overrides: overrides.rows };
}

/** The rotation math's view of one schedule's rows. */
function scheduleOf(layers: LayerDbRow[], overrides: OverrideDbRow[]): Schedule {
  return { layers: layers.map(layerOfRow), overrides: overridesOfRows(overrides) };
}

/** Every schedule (or one), with its layers, overrides, who is on call now and the gaps ahead. */
export async function listSchedules(
  tx: WorkspaceTx,
  opts: { scheduleId?: string | undefined; now: Date },
): Promise<ScheduleView[]> {
  const { schedules, layers, overrides } = await loadRows(tx, opts.scheduleId, opts.now);
  return schedules.map((s) => {
    const ls = layers.filter((l) => l.schedule_id === s.id);
    const os = overrides.filter((o) => o.schedule_id === s.id);
    const schedule = scheduleOf(ls, os);
    return {
      id: s.id,
      name: s.name,
      description: s.description,
      layers: ls.map((l) => {
        const r = layerOfRow(l);
        return {
          id: l.id,
          name: l.name,
          level: l.level,
          memberIds: [...l.member_ids],
          length: r.length,
          handoffTime: l.handoff_time,
          timeZone: l.time_zone,
          startsAt: l.starts_at,
          endsAt: l.ends_at,
        };
      }),
      overrides: os.map((o) => ({
        id: o.id,
        userId: o.user_id,
        startsAt: o.starts_at,
        endsAt: o.ends_at,
        reason: o.reason,
        createdBy: o.created_by,
      })),
      onCallNow: onCallAt(schedule, opts.now).userId,
      gaps: coverageGaps(schedule, opts.now, new Date(opts.now.getTime() + GAP_HORIZON_DAYS * 86_400_000)),
    };
  });
}

/** One schedule, or a not_found refusal naming it. */
export async function getSchedule(tx: WorkspaceTx, id: string, now: Date): Promise<ScheduleView> {
  const [found] = await listSchedules(tx, { scheduleId: id, now });
  if (!found) throw new ActionRefused('not_found', 'id: no such schedule in this workspace');
  return found;
}

/** The rotation math's schedule for one schedule id (empty when it does not exist). */
export async function loadSchedule(
  tx: WorkspaceTx,
  scheduleId: string,
  now: Date,
): Promise<Schedule | undefined> {
  const { schedules, layers, overrides } = await loadRows(tx, scheduleId, now);
  if (schedules.length === 0) return undefined;
  return scheduleOf(layers, overrides);
}

/**
 * Who is on call at `at` in each schedule (or one): the function other domains call (change
 * collisions, status pages) to ask whether a window has coverage.
 */
export async function whoIsOnCall(
  tx: WorkspaceTx,
  opts: { scheduleId?: string | undefined; at: Date },
): Promise<
  Array<{ scheduleId: string; name: string; userId: string | null; source: 'override' | 'layer' | 'none' }>
> {
  const { schedules, layers, overrides } = await loadRows(tx, opts.scheduleId, opts.at);
  return schedules.map((s) => {
    const who = onCallAt(
      scheduleOf(
        layers.filter((l) => l.schedule_id === s.id),
        overrides.filter((o) => o.schedule_id === s.id),
      ),
      opts.at,
    );
    return { scheduleId: s.id, name: s.name, userId: who.userId, source: who.source };
  });
}

/** The next `count` shifts from `from`, per schedule (or one), optionally only `userId`'s. */
export async function upcomingShifts(
  tx: WorkspaceTx,
  opts: { scheduleId?: string | undefined; userId?: string | undefined; from: Date; count: number },
): Promise<Array<Shift & { scheduleId: string; scheduleName: string }>> {
  const { schedules, layers, overrides } = await loadRows(tx, opts.scheduleId, opts.from);
  const all = schedules.flatMap((s) =>
    nextShifts(
      scheduleOf(
        layers.filter((l) => l.schedule_id === s.id),
        overrides.filter((o) => o.schedule_id === s.id),
      ),
      opts.from,
      opts.count,
      opts.userId === undefined ? { horizonDays: 120 } : { userId: opts.userId, horizonDays: 120 },
    ).map((shift) => ({ ...shift, scheduleId: s.id, scheduleName: s.name })),
  );
  return all
    .sort((a, b) => a.start.getTime() - b.start.getTime())
    .slice(0, opts.scheduleId ? opts.count : opts.count * 4);
}
