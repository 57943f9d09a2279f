import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  budgetRemaining,
  burnRate,
  type BurnWindowMinutes,
  type EventCounts,
  firingBurnAlerts,
  refineSlo,
  sloCreateInput,
} from '../src/slo.ts';

const HOST = '0194a1b2-0000-7000-8000-000000000001';
const ok = (n: number): EventCounts => ({ good: n, total: n });
const bad = (good: number, total: number): EventCounts => ({ good, total });
const windows = (
  w: Partial<Record<BurnWindowMinutes, EventCounts>>,
): Record<BurnWindowMinutes, EventCounts> => ({
  5: ok(0),
  30: ok(0),
  60: ok(0),
  360: ok(0),
  ...w,
});

describe('burn rate and budget', () => {
  it('burns 1× when the error rate equals the allowed rate', () => {
    expect(burnRate(bad(999, 1000), 99.9)).toBeCloseTo(1, 9);
    expect(burnRate(bad(90, 100), 99)).toBeCloseTo(10, 9);
    expect(burnRate(ok(0), 99.9)).toBe(0);
  });

  it('spends the budget in proportion to the bad events', () => {
    expect(budgetRemaining(ok(1000), 99)).toBe(1);
    expect(budgetRemaining(bad(995, 1000), 99)).toBeCloseTo(0.5, 9);
    expect(budgetRemaining(bad(990, 1000), 99)).toBeCloseTo(0, 9);
    expect(budgetRemaining(bad(980, 1000), 99)).toBeCloseTo(-1, 9);
    expect(budgetRemaining(ok(0), 99)).toBe(1);
  });

  it('budget remaining is 1 − (burn rate over the whole window)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.double({ min: 0.01, max: 99.99, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (total, objective, goodShare) => {
          const counts = { total, good: Math.round(total * goodShare) };
          expect(budgetRemaining(counts, objective)).toBeCloseTo(1 - burnRate(counts, objective), 6);
        },
      ),
    );
  });
});

describe('multi-window burn-rate alerts', () => {
  // 99.9 %: a 14.4× burn is an error rate of 1.44 %; 6× is 0.6 %.
  it('pages only when the 1 h AND the 5 min windows both burn 14.4×', () => {
    const burning = bad(98, 100); // 2 % errors: 20×
    expect(firingBurnAlerts(windows({ 60: burning, 5: burning }), 99.9).has('page')).toBe(true);
    // The hour burned, but the last five minutes are clean: the page resolves (or never opens).
    expect(firingBurnAlerts(windows({ 60: burning, 5: ok(3) }), 99.9).has('page')).toBe(false);
    // A short spike alone does not page.
    expect(firingBurnAlerts(windows({ 60: ok(100), 5: burning }), 99.9).has('page')).toBe(false);
  });

  it('tickets when the 6 h AND the 30 min windows both burn 6×', () => {
    const slow = bad(993, 1000); // 0.7 % errors: 7×
    const fired = firingBurnAlerts(windows({ 360: slow, 30: slow, 60: slow, 5: slow }), 99.9);
    expect([...fired]).toEqual(['ticket']);
    expect(firingBurnAlerts(windows({ 360: slow, 30: ok(10) }), 99.9).size).toBe(0);
  });

  it('fires exactly at the threshold', () => {
    // 99 %: 14.4× is an error rate of 14.4 %.
    const edge = bad(856, 1000);
    expect(firingBurnAlerts(windows({ 60: edge, 5: edge }), 99).has('page')).toBe(true);
    const under = bad(857, 1000);
    expect(firingBurnAlerts(windows({ 60: under, 5: under }), 99).has('page')).toBe(false);
  });
});

describe('the SLO input', () => {
  const parse = (v: Record<string, unknown>) =>
    sloCreateInput.superRefine(refineSlo).safeParse({
      name: 'API',
      kind: 'availability',
      scope: { type: 'host', hostId: HOST },
      objective: 99.9,
      windowDays: 28,
      ...v,
    });
  const firstIssue = (v: Record<string, unknown>) => {
    const r = parse(v);
    return r.success
      ? undefined
      : { path: r.error.issues[0]?.path.join('.'), message: r.error.issues[0]?.message };
  };

  it('accepts objectives strictly between 0 and 100 and the listed windows', () => {
    expect(parse({}).success).toBe(true);
    expect(parse({ objective: 0.001, windowDays: 7 }).success).toBe(true);
    expect(parse({ objective: 99.999, windowDays: 30 }).success).toBe(true);
  });

  it.each([0, 100, -1, 150])('refuses objective %s naming the field', (objective) => {
    expect(firstIssue({ objective })).toEqual({
      path: 'objective',
      message: 'objective must be greater than 0 and less than 100',
    });
  });

  it.each([1, 14, 31, 90])('refuses a %s-day window naming the field', (windowDays) => {
    expect(firstIssue({ windowDays })).toEqual({
      path: 'windowDays',
      message: 'windowDays must be one of 7, 28, 30',
    });
  });

  it('a latency SLO needs a threshold, an availability SLO has none', () => {
    expect(firstIssue({ kind: 'latency' })?.path).toBe('thresholdMs');
    expect(parse({ kind: 'latency', thresholdMs: 300 }).success).toBe(true);
    expect(firstIssue({ thresholdMs: 300 })?.path).toBe('thresholdMs');
  });
});
