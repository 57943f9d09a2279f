import { describe, expect, it } from 'vitest';
import { type SloSnapshot, SNAPSHOT_STEPS, snapshotChange } from '../../src/reliability/slo-snapshot.ts';

/**
 * When the evaluation job rewrites the replicated snapshot of an SLO: only when a page would show
 * something else, or when it is an hour old; the minute-to-minute jitter of a steady SLO is not
 * written (slo-offline in desktop/test shows the change log untouched by such an evaluation).
 */
const t0 = new Date('2026-11-30T12:00:00.000Z');
const steady: SloSnapshot = {
  window: { good: 990, total: 1000 },
  budgetRemaining: 0.5,
  burnRates: { 5: 0, 30: 0.4, 60: 0.5, 360: 0.6 },
  firing: [],
  evaluatedAt: t0,
};
const later = (patch: Partial<SloSnapshot>, minutes = 1): SloSnapshot => ({
  ...steady,
  evaluatedAt: new Date(t0.getTime() + minutes * 60_000),
  ...patch,
});

describe('the SLO snapshot', () => {
  it('is written first, and then when what the pages show moves', () => {
    expect(snapshotChange(undefined, steady)).toBe('changed');
    expect(snapshotChange(steady, later({ firing: ['ticket'] }))).toBe('changed');
    expect(snapshotChange(steady, later({ budgetRemaining: 0.5 - SNAPSHOT_STEPS.budget }))).toBe('changed');
    expect(snapshotChange(steady, later({ burnRates: { ...steady.burnRates, 360: 1.1 } }))).toBe('changed');
    // Across 1 the inbox calls it burning, however small the step.
    expect(snapshotChange(steady, later({ burnRates: { ...steady.burnRates, 60: 1.01 } }))).toBe('changed');
    expect(
      snapshotChange(
        { ...steady, window: { good: 0, total: 0 }, budgetRemaining: 1 },
        later({ window: { good: 1, total: 1 }, budgetRemaining: 1 }),
      ),
    ).toBe('changed');
  });

  it('is not written for jitter, nor for windows the pages do not show, until it is an hour old', () => {
    const jitter = later({
      window: { good: 991, total: 1001 },
      budgetRemaining: 0.505,
      burnRates: { 5: 7, 30: 0.9, 60: 0.8, 360: 0.7 },
    });
    expect(snapshotChange(steady, jitter)).toBe('same');
    expect(snapshotChange(steady, later({}, 59))).toBe('same');
    expect(snapshotChange(steady, later({}, 60))).toBe('refresh');
  });
});
