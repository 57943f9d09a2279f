import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  coverageGaps,
  instantOfWallClock,
  isTimeZone,
  layerShifts,
  nextShifts,
  onCallAt,
  type RotationLayer,
  type Schedule,
  type ScheduleOverride,
  scheduleTimeline,
  wallClockAt,
} from '../src/rotation.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Zones with daylight saving both ways, a half-hour change, none at all, and a midnight change. */
const ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Australia/Lord_Howe',
  'Australia/Sydney',
  'Asia/Kolkata',
  'UTC',
  'America/Santiago',
] as const;

/** Local hours at which some zone in ZONES skips or repeats time: hand-offs there are tested apart. */
const TRANSITION_HOURS = new Set([0, 1, 2, 3, 23]);

const PEOPLE = ['ana', 'ben', 'cy', 'dee', 'eli'];
const FROM = Date.UTC(2025, 0, 1);
const TO = Date.UTC(2028, 0, 1);

const hhmm = (h: number, m: number) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
const localHHMM = (t: number, zone: string) => new Date(wallClockAt(t, zone)).toISOString().slice(11, 16);

const instantArb = fc.integer({ min: FROM, max: TO }).map((t) => new Date(t));

const layerArb = (id: string, opts: { safeHandoff?: boolean } = {}): fc.Arbitrary<RotationLayer> =>
  fc
    .record({
      id: fc.constant(id),
      level: fc.integer({ min: 0, max: 3 }),
      members: fc.uniqueArray(fc.constantFrom(...PEOPLE), { minLength: 1, maxLength: 4 }),
      length: fc.oneof(
        fc.constant({ kind: 'daily' as const }),
        fc.constant({ kind: 'weekly' as const }),
        fc.integer({ min: 4, max: 72 }).map((hours) => ({ kind: 'hours' as const, hours })),
      ),
      handoffTime: fc
        .tuple(
          fc.integer({ min: 0, max: 23 }).filter((h) => !opts.safeHandoff || !TRANSITION_HOURS.has(h)),
          fc.constantFrom(0, 15, 30),
        )
        .map(([h, m]) => hhmm(h, m)),
      timeZone: fc.constantFrom(...ZONES),
      startsAt: instantArb,
      endsAt: fc.option(
        fc.integer({ min: HOUR, max: 400 * DAY }).map((d) => d),
        { nil: null },
      ),
    })
    .map((l) => ({ ...l, endsAt: l.endsAt === null ? null : new Date(l.startsAt.getTime() + l.endsAt) }));

const overrideArb = (id: string): fc.Arbitrary<ScheduleOverride> =>
  fc
    .record({
      userId: fc.constantFrom(...PEOPLE),
      startsAt: instantArb,
      hours: fc.integer({ min: 1, max: 24 * 14 }),
    })
    .map(({ userId, startsAt, hours }) => ({
      id,
      userId,
      startsAt,
      endsAt: new Date(startsAt.getTime() + hours * HOUR),
    }));

const scheduleArb: fc.Arbitrary<Schedule> = fc.record({
  layers: fc
    .integer({ min: 0, max: 3 })
    .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => layerArb(`L${i}`)))),
  overrides: fc
    .integer({ min: 0, max: 3 })
    .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => overrideArb(`O${i}`)))),
});

/** A window of up to 40 days that starts near the schedule's layers, so most runs see shifts. */
const windowArb = (schedule: Schedule) =>
  fc
    .record({
      base: fc.constantFrom(
        ...[FROM + 100 * DAY, ...schedule.layers.map((l) => l.startsAt.getTime())],
        ...schedule.overrides.map((o) => o.startsAt.getTime()),
      ),
      shift: fc.integer({ min: -10 * DAY, max: 10 * DAY }),
      length: fc.integer({ min: HOUR, max: 40 * DAY }),
    })
    .map(({ base, shift, length }) => ({
      from: new Date(base + shift),
      to: new Date(base + shift + length),
    }));

const scheduleAndWindow = scheduleArb.chain((schedule) =>
  windowArb(schedule).map((w) => ({ schedule, ...w })),
);

describe('time zones through Intl', () => {
  it('knows IANA zones and refuses made-up ones', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });

  it('maps a wall-clock reading back to the instant that shows it (the earlier one when it repeats)', () => {
    fc.assert(
      fc.property(instantArb, fc.constantFrom(...ZONES), (at, zone) => {
        const t = at.getTime();
        const back = instantOfWallClock(wallClockAt(t, zone), zone);
        expect(wallClockAt(back, zone)).toBe(wallClockAt(t, zone));
        expect(back).toBeLessThanOrEqual(t);
        expect(t - back).toBeLessThanOrEqual(HOUR);
      }),
      { numRuns: 500 },
    );
  });

  it('moves a reading inside a spring-forward gap later by the size of the jump', () => {
    // 2026-03-29 02:30 does not exist in Berlin: clocks jump from 02:00 CET to 03:00 CEST.
    const t = instantOfWallClock(Date.UTC(2026, 2, 29, 2, 30), 'Europe/Berlin');
    expect(new Date(t).toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(localHHMM(t, 'Europe/Berlin')).toBe('03:30');
  });
});

describe('one layer', () => {
  it('keeps a 09:00 Berlin weekly hand-off at 09:00 local across both daylight-saving changes', () => {
    const layer: RotationLayer = {
      id: 'L',
      level: 0,
      members: ['ana', 'ben'],
      length: { kind: 'weekly' },
      handoffTime: '09:00',
      timeZone: 'Europe/Berlin',
      startsAt: new Date('2026-03-23T08:00:00Z'), // Monday 09:00 CET
      endsAt: null,
    };
    const shifts = layerShifts(layer, new Date('2026-03-23T00:00:00Z'), new Date('2026-11-10T00:00:00Z'));
    for (const s of shifts) expect(localHHMM(s.start.getTime(), 'Europe/Berlin')).toBe('09:00');
    // The week holding the spring change is an hour short, the one holding the autumn change an hour long.
    expect(shifts[0]).toMatchObject({ userId: 'ana', start: new Date('2026-03-23T08:00:00Z') });
    expect(shifts[0]?.end).toEqual(new Date('2026-03-30T07:00:00Z'));
    const autumn = shifts.find((s) => s.start.getTime() === Date.parse('2026-10-19T07:00:00Z'));
    expect(autumn?.end).toEqual(new Date('2026-10-26T08:00:00Z'));
    expect(shifts.map((s) => s.userId).slice(0, 4)).toEqual(['ana', 'ben', 'ana', 'ben']);
  });

  it('hands off at the hand-off time on the local wall clock, whatever daylight saving does', () => {
    fc.assert(
      fc.property(layerArb('L', { safeHandoff: true }), (raw) => {
        const layer = {
          ...raw,
          endsAt: null,
          length: raw.length.kind === 'hours' ? { kind: 'daily' as const } : raw.length,
        };
        const from = layer.startsAt;
        const shifts = layerShifts(layer, from, new Date(from.getTime() + 400 * DAY));
        // Every hand-off but the layer's own start is at the hand-off time, local.
        for (const s of shifts.slice(1))
          expect(localHHMM(s.start.getTime(), layer.timeZone)).toBe(layer.handoffTime);
        // And lasts a day or a week of the wall clock, i.e. 23/25 h or 167/169 h across a change.
        const nominal = layer.length.kind === 'weekly' ? 7 * DAY : DAY;
        for (const s of shifts.slice(1))
          expect(Math.abs(s.end.getTime() - s.start.getTime() - nominal)).toBeLessThanOrEqual(HOUR);
      }),
      { numRuns: 60 },
    );
  });

  it('gives contiguous, non-overlapping turns in member order, inside the layer and the range', () => {
    fc.assert(
      fc.property(
        layerArb('L').chain((layer) =>
          windowArb({ layers: [layer], overrides: [] }).map((w) => ({ layer, ...w })),
        ),
        ({ layer, from, to }) => {
          const shifts = layerShifts(layer, from, to);
          const n = layer.members.length;
          shifts.forEach((s, i) => {
            expect(s.start < s.end).toBe(true);
            expect(s.end > from && s.start < to).toBe(true);
            expect(s.start >= layer.startsAt).toBe(true);
            if (layer.endsAt) expect(s.end <= layer.endsAt).toBe(true);
            const next = shifts[i + 1];
            if (next) {
              expect(next.start).toEqual(s.end);
              // Each turn hands over to the next member (n = 1: the same person again).
              const at = layer.members.indexOf(s.userId);
              expect(next.userId).toBe(layer.members[(at + 1) % n]);
            }
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('has no shifts without members', () => {
    const layer: RotationLayer = {
      id: 'L',
      level: 0,
      members: [],
      length: { kind: 'daily' },
      handoffTime: '09:00',
      timeZone: 'UTC',
      startsAt: new Date(FROM),
      endsAt: null,
    };
    expect(layerShifts(layer, new Date(FROM), new Date(FROM + 10 * DAY))).toEqual([]);
  });
});

describe('a schedule', () => {
  it('covers a range exactly with contiguous, non-overlapping stretches, adjacent ones different people', () => {
    fc.assert(
      fc.property(scheduleAndWindow, ({ schedule, from, to }) => {
        const timeline = scheduleTimeline(schedule, from, to);
        expect(timeline[0]?.start).toEqual(from);
        expect(timeline[timeline.length - 1]?.end).toEqual(to);
        timeline.forEach((s, i) => {
          expect(s.start < s.end).toBe(true);
          const next = timeline[i + 1];
          if (next) {
            expect(next.start).toEqual(s.end);
            expect(next.userId).not.toBe(s.userId);
          }
        });
      }),
      { numRuns: 200 },
    );
  });

  it('agrees with onCallAt at every instant, and onCallAt follows overrides, then the highest layer', () => {
    fc.assert(
      fc.property(
        scheduleAndWindow.chain((x) =>
          fc
            .integer({ min: x.from.getTime(), max: x.to.getTime() - 1 })
            .map((t) => ({ ...x, at: new Date(t) })),
        ),
        ({ schedule, from, to, at }) => {
          const who = onCallAt(schedule, at);
          const stretch = scheduleTimeline(schedule, from, to).find((s) => s.start <= at && at < s.end);
          expect(stretch?.userId).toBe(who.userId);
          // The model, by brute force: the last override holding `at`, else the highest level (later
          // listed first among equals) with a shift at `at`.
          const t = at.getTime();
          const override = [...schedule.overrides]
            .reverse()
            .find((o) => o.startsAt.getTime() <= t && t < o.endsAt.getTime());
          if (override) {
            expect(who).toEqual({ userId: override.userId, source: 'override', overrideId: override.id });
            return;
          }
          const covering = schedule.layers
            .map((layer, i) => ({ layer, i, shift: layerShifts(layer, at, new Date(t + 1))[0] }))
            .filter((x) => x.shift)
            .sort((a, b) => b.layer.level - a.layer.level || b.i - a.i)[0];
          if (covering)
            expect(who).toEqual({
              userId: covering.shift?.userId,
              source: 'layer',
              layerId: covering.layer.id,
            });
          else expect(who).toEqual({ userId: null, source: 'none' });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('does not depend on how the range is cut', () => {
    fc.assert(
      fc.property(
        scheduleAndWindow.chain((x) =>
          fc
            .integer({ min: x.from.getTime() + 1, max: x.to.getTime() - 1 })
            .map((cut) => ({ ...x, cut: new Date(cut) })),
        ),
        ({ schedule, from, to, cut }) => {
          if (!(from < cut && cut < to)) return;
          const whole = scheduleTimeline(schedule, from, to);
          const joined = [...scheduleTimeline(schedule, from, cut), ...scheduleTimeline(schedule, cut, to)];
          const merged = joined.reduce<typeof joined>((acc, s) => {
            const last = acc[acc.length - 1];
            if (last && last.userId === s.userId) acc[acc.length - 1] = { ...last, end: s.end };
            else acc.push(s);
            return acc;
          }, []);
          expect(merged).toEqual(whole);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('reports as gaps exactly the time with no override and no layer shift', () => {
    fc.assert(
      fc.property(scheduleAndWindow, ({ schedule, from, to }) => {
        const gaps = coverageGaps(schedule, from, to);
        for (const g of gaps) {
          for (const t of [
            g.start.getTime(),
            (g.start.getTime() + g.end.getTime()) >> 1,
            g.end.getTime() - 1,
          ]) {
            expect(onCallAt(schedule, new Date(t)).userId).toBeNull();
          }
        }
        const covered = scheduleTimeline(schedule, from, to).filter((s) => s.userId !== null);
        const total = [...gaps, ...covered].reduce((sum, s) => sum + s.end.getTime() - s.start.getTime(), 0);
        expect(total).toBe(to.getTime() - from.getTime());
      }),
      { numRuns: 150 },
    );
  });

  it('lets an override cover a colleague across a daylight-saving change, then hands back', () => {
    const schedule: Schedule = {
      layers: [
        {
          id: 'primary',
          level: 0,
          members: ['ana', 'ben'],
          length: { kind: 'weekly' },
          handoffTime: '09:00',
          timeZone: 'America/New_York',
          startsAt: new Date('2026-10-26T13:00:00Z'), // Monday 09:00 EDT
          endsAt: null,
        },
      ],
      overrides: [
        {
          id: 'o',
          userId: 'cy',
          startsAt: new Date('2026-11-01T00:00:00Z'),
          endsAt: new Date('2026-11-03T12:00:00Z'),
        },
      ],
    };
    const timeline = scheduleTimeline(
      schedule,
      new Date('2026-10-26T13:00:00Z'),
      new Date('2026-11-16T14:00:00Z'),
    );
    // Ben's turn began at 09:00 EST on 2 November (14:00 UTC, after the change on the 1st) under
    // Cy's override; he takes over when it ends, and hands off at 09:00 EST a week later.
    expect(timeline.map((s) => [s.userId, s.start.toISOString(), s.end.toISOString()])).toEqual([
      ['ana', '2026-10-26T13:00:00.000Z', '2026-11-01T00:00:00.000Z'],
      ['cy', '2026-11-01T00:00:00.000Z', '2026-11-03T12:00:00.000Z'],
      ['ben', '2026-11-03T12:00:00.000Z', '2026-11-09T14:00:00.000Z'],
      ['ana', '2026-11-09T14:00:00.000Z', '2026-11-16T14:00:00.000Z'],
    ]);
  });

  it('lists the next shifts in order, the one in progress first, optionally for one person', () => {
    fc.assert(
      fc.property(
        scheduleArb,
        instantArb,
        fc.constantFrom(undefined, ...PEOPLE),
        (schedule, from, userId) => {
          const shifts = nextShifts(schedule, from, 5, { userId, horizonDays: 60 });
          expect(shifts.length).toBeLessThanOrEqual(5);
          shifts.forEach((s, i) => {
            expect(s.userId).not.toBeNull();
            if (userId) expect(s.userId).toBe(userId);
            expect(s.end > from).toBe(true);
            const next = shifts[i + 1];
            if (next) expect(next.start >= s.end).toBe(true);
          });
          if (!userId && shifts[0] && shifts[0].start <= from)
            expect(onCallAt(schedule, from).userId).toBe(shifts[0].userId);
        },
      ),
      { numRuns: 60 },
    );
  });
});
