/**
 * On-call rotation math, pure: who is on call at an instant, the shifts of a schedule over a range,
 * the next N shifts, and the gaps in coverage.
 *
 * A schedule is a stack of layers (a higher `level` wins wherever it has someone) plus overrides
 * (someone covers a range; they beat every layer, and a later override beats an earlier one).
 * Each layer is a rotation: its members take turns, one shift each, shifts of a fixed length on the
 * wall clock of the layer's IANA time zone. Instants are UTC (`Date`); lengths and hand-off times
 * are wall-clock in the layer's zone, so a daylight-saving change never moves a hand-off: 09:00
 * Europe/Berlin stays 09:00 local, and the shift across the change is an hour shorter or longer.
 *
 * Only `Intl` is used (no date library), so this runs in the server, the desktop core and the
 * renderer alike.
 */

/** How long one member's turn lasts, on the layer's wall clock. */
export type ShiftLength = { kind: 'daily' } | { kind: 'weekly' } | { kind: 'hours'; hours: number };

/** One layer of a schedule: a rotation of members. */
export interface RotationLayer {
  id: string;
  /** Higher levels override lower ones wherever they have someone on call. */
  level: number;
  /** Member ids in rotation order; the first takes the shift that holds `startsAt`. */
  members: readonly string[];
  length: ShiftLength;
  /** Local wall-clock time of the hand-off, `HH:MM` (24 h). */
  handoffTime: string;
  /** IANA zone the hand-off time and lengths are counted in, e.g. `Europe/Berlin`. */
  timeZone: string;
  /**
   * When the layer takes effect. The rotation's phase is anchored at the hand-off time on the local
   * date of this instant (which may be earlier than it: the first shift is then clipped), and a
   * weekly rotation hands off on that local weekday.
   */
  startsAt: Date;
  /** When the layer stops (exclusive); null runs for ever. */
  endsAt: Date | null;
}

/** Someone covers [startsAt, endsAt) whatever the layers say. */
export interface ScheduleOverride {
  id: string;
  userId: string;
  startsAt: Date;
  endsAt: Date;
}

/** Overrides later in the list win over earlier ones where they overlap. */
export interface Schedule {
  layers: readonly RotationLayer[];
  overrides: readonly ScheduleOverride[];
}

/** One turn of one layer (not yet resolved against the other layers and overrides). */
export interface LayerShift {
  layerId: string;
  userId: string;
  start: Date;
  end: Date;
}

/** Who is on call at an instant and why; `userId` null means nobody (a gap in coverage). */
export type OnCall =
  | { userId: string; source: 'override'; overrideId: string }
  | { userId: string; source: 'layer'; layerId: string }
  | { userId: null; source: 'none' };

/** A stretch of a schedule's final timeline: one person (or nobody) from start to end. */
export interface Shift {
  userId: string | null;
  start: Date;
  end: Date;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// ─── time zones ──────────────────────────────────────────────────────────────────────────────────

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True if the runtime knows this IANA zone (`Intl` throws a RangeError for an unknown one). */
export function isTimeZone(timeZone: string): boolean {
  if (timeZone.trim() === '') return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The wall-clock reading in `timeZone` at instant `ms`, as milliseconds since the epoch read as if
 * it were UTC ("naive" time: plain calendar arithmetic, no daylight saving).
 */
export function wallClockAt(ms: number, timeZone: string): number {
  const whole = Math.floor(ms / 1000) * 1000;
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(whole))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const naive = Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return naive + (ms - whole);
}

/** The zone's offset from UTC at instant `ms`, in milliseconds (Berlin in summer: +2 h). */
function offsetAt(ms: number, timeZone: string): number {
  return wallClockAt(ms, timeZone) - ms;
}

/**
 * The instant at which the wall clock of `timeZone` reads `naive`. Like Temporal's 'compatible'
 * disambiguation: a reading that happens twice (clocks go back) is its earlier instant; one that
 * never happens (clocks go forward) is moved later by the size of the jump (02:30 on the spring
 * change in Berlin is 03:30 CEST).
 */
export function instantOfWallClock(naive: number, timeZone: string): number {
  // Offsets change at most a few times a year and never by more than a day: the offsets a day
  // either side are the only candidates.
  const before = offsetAt(naive - DAY, timeZone);
  const after = offsetAt(naive + DAY, timeZone);
  const candidates = [naive - before, naive - after].filter((t) => wallClockAt(t, timeZone) === naive);
  if (candidates.length > 0) return Math.min(...candidates);
  return naive - before;
}

// ─── one layer ───────────────────────────────────────────────────────────────────────────────────

/** Parses `HH:MM` into minutes after midnight, or null if it is not a valid 24-hour time. */
export function parseHandoffTime(value: string): number | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** The length of one shift on the wall clock, in milliseconds. */
export function shiftLengthMs(length: ShiftLength): number {
  switch (length.kind) {
    case 'daily':
      return DAY;
    case 'weekly':
      return 7 * DAY;
    case 'hours':
      return length.hours * HOUR;
    default: {
      const never: never = length;
      throw new Error(`unknown shift length ${JSON.stringify(never)}`);
    }
  }
}

/** Where a layer's turn k starts on the wall clock (naive ms) and the wall-clock length of a turn. */
function layerPhase(layer: RotationLayer): { anchor: number; step: number } {
  const minutes = parseHandoffTime(layer.handoffTime);
  if (minutes === null) throw new RangeError(`handoffTime ${layer.handoffTime} is not HH:MM`);
  const step = shiftLengthMs(layer.length);
  if (!(step >= MINUTE)) throw new RangeError('a shift must last at least a minute');
  const startWall = wallClockAt(layer.startsAt.getTime(), layer.timeZone);
  const anchor = Math.floor(startWall / DAY) * DAY + minutes * MINUTE;
  return { anchor, step };
}

/**
 * The shifts of one layer that overlap [from, to), in order, clipped to the layer's own life
 * (startsAt … endsAt) but not to the range. A layer without members has no shifts.
 */
export function layerShifts(layer: RotationLayer, from: Date, to: Date): LayerShift[] {
  const n = layer.members.length;
  if (n === 0) return [];
  const lo = Math.max(from.getTime(), layer.startsAt.getTime());
  const hi = Math.min(to.getTime(), layer.endsAt ? layer.endsAt.getTime() : Number.POSITIVE_INFINITY);
  if (lo >= hi) return [];
  const { anchor, step } = layerPhase(layer);
  const boundary = (k: number) => instantOfWallClock(anchor + k * step, layer.timeZone);
  // Turn k covers [boundary(k), boundary(k+1)). Find the turn holding `lo` from the wall clock,
  // then correct by a step either way: a daylight-saving jump can put the guess one turn off.
  let k = Math.floor((wallClockAt(lo, layer.timeZone) - anchor) / step);
  while (boundary(k) > lo) k--;
  while (boundary(k + 1) <= lo) k++;
  const layerStart = layer.startsAt.getTime();
  const layerEnd = layer.endsAt ? layer.endsAt.getTime() : Number.POSITIVE_INFINITY;
  const out: LayerShift[] = [];
  for (let start = boundary(k); start < hi; k++) {
    // Never before the turn's start: a zone that skipped a whole day (Samoa, 2011) must not run
    // the timeline backwards.
    const end = Math.max(boundary(k + 1), start);
    const s = Math.max(start, layerStart);
    const e = Math.min(end, layerEnd);
    // A hand-off time that lands in a repeated hour can make two wall-clock turns meet at one
    // instant; an empty turn is skipped rather than reported.
    if (s < e) {
      const userId = layer.members[((k % n) + n) % n] as string;
      out.push({ layerId: layer.id, userId, start: new Date(s), end: new Date(e) });
    }
    start = end;
  }
  return out;
}

// ─── a whole schedule ────────────────────────────────────────────────────────────────────────────

/** Layers from the highest level down; among equal levels the one listed later wins. */
function byPrecedence(layers: readonly RotationLayer[]): RotationLayer[] {
  return layers
    .map((layer, i) => ({ layer, i }))
    .sort((a, b) => b.layer.level - a.layer.level || b.i - a.i)
    .map((x) => x.layer);
}

/** Who is on call at instant `at`: the last override holding it, else the highest layer with a shift. */
export function onCallAt(schedule: Schedule, at: Date): OnCall {
  const t = at.getTime();
  for (let i = schedule.overrides.length - 1; i >= 0; i--) {
    const o = schedule.overrides[i] as ScheduleOverride;
    if (o.startsAt.getTime() <= t && t < o.endsAt.getTime())
      return { userId: o.userId, source: 'override', overrideId: o.id };
  }
  const next = new Date(t + 1);
  for (const layer of byPrecedence(schedule.layers)) {
    const shift = layerShifts(layer, at, next)[0];
    if (shift) return { userId: shift.userId, source: 'layer', layerId: layer.id };
  }
  return { userId: null, source: 'none' };
}

/**
 * The schedule's final timeline over [from, to): contiguous, non-overlapping stretches that cover
 * the range exactly, each with the person on call (null: nobody), adjacent stretches of the same
 * person merged.
 */
export function scheduleTimeline(schedule: Schedule, from: Date, to: Date): Shift[] {
  const lo = from.getTime();
  const hi = to.getTime();
  if (!(lo < hi)) return [];
  const cuts = new Set<number>([lo]);
  const add = (t: number) => {
    if (lo < t && t < hi) cuts.add(t);
  };
  for (const layer of schedule.layers) {
    add(layer.startsAt.getTime());
    if (layer.endsAt) add(layer.endsAt.getTime());
    for (const s of layerShifts(layer, from, to)) {
      add(s.start.getTime());
      add(s.end.getTime());
    }
  }
  for (const o of schedule.overrides) {
    add(o.startsAt.getTime());
    add(o.endsAt.getTime());
  }
  const points = [...cuts].sort((a, b) => a - b);
  const out: Shift[] = [];
  points.forEach((start, i) => {
    const end = points[i + 1] ?? hi;
    const { userId } = onCallAt(schedule, new Date(start));
    const last = out[out.length - 1];
    if (last && last.userId === userId) last.end = new Date(end);
    else out.push({ userId, start: new Date(start), end: new Date(end) });
  });
  return out;
}

/** The stretches of [from, to) with nobody on call: reported as warnings, never refused. */
export function coverageGaps(schedule: Schedule, from: Date, to: Date): Array<{ start: Date; end: Date }> {
  return scheduleTimeline(schedule, from, to)
    .filter((s) => s.userId === null)
    .map(({ start, end }) => ({ start, end }));
}

/**
 * The next `count` shifts from `from` on (the one in progress first, with its real start), with
 * someone on call, optionally only those of `userId`. Looks at most `horizonDays` ahead.
 */
export function nextShifts(
  schedule: Schedule,
  from: Date,
  count: number,
  opts: { userId?: string; horizonDays?: number } = {},
): Shift[] {
  const horizon = from.getTime() + (opts.horizonDays ?? 366) * DAY;
  const out: Shift[] = [];
  if (count <= 0) return out;
  // Start a week back so the shift in progress is reported from its real start.
  let cursor = from.getTime() - 7 * DAY;
  let previous: Shift | undefined;
  while (cursor < horizon && out.length < count) {
    const windowEnd = Math.min(cursor + 28 * DAY, horizon);
    for (const s of scheduleTimeline(schedule, new Date(cursor), new Date(windowEnd))) {
      // A stretch cut by the window's edge continues in the next window: join them.
      if (previous && previous.userId === s.userId && previous.end.getTime() === s.start.getTime()) {
        previous.end = s.end;
        continue;
      }
      if (previous) consider(previous);
      previous = { ...s };
    }
    cursor = windowEnd;
  }
  if (previous && out.length < count) consider(previous);
  return out.slice(0, count);

  function consider(s: Shift): void {
    if (s.userId === null || s.end.getTime() <= from.getTime()) return;
    if (opts.userId !== undefined && s.userId !== opts.userId) return;
    if (out.length < count) out.push(s);
  }
}
