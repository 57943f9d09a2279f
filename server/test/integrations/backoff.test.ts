import { describe, expect, it } from 'vitest';
import {
  backoffSchedule,
  DEFAULT_DELIVERY_BACKOFF,
  delayAfterFailure,
  validateBackoffPolicy,
  type BackoffPolicy,
} from '../../src/integrations/backoff.ts';

const policy = (overrides: Partial<BackoffPolicy> = {}): BackoffPolicy => ({
  baseMs: 1_000,
  capMs: 60_000,
  maxAttempts: 5,
  jitter: 'none',
  ...overrides,
});
/** A scripted random source. */
const draws = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

describe('delayAfterFailure', () => {
  it('doubles from base, is capped, and ends after maxAttempts', () => {
    expect(backoffSchedule(policy({ capMs: 5_000 }))).toEqual([1_000, 2_000, 4_000, 5_000]);
    expect(delayAfterFailure(policy(), 4)).toBe(8_000);
    expect(delayAfterFailure(policy(), 5)).toBeUndefined();
    expect(delayAfterFailure(policy(), 99)).toBeUndefined();
    expect(delayAfterFailure(policy({ maxAttempts: 1 }), 1)).toBeUndefined();
  });

  it('full jitter scales the exponential step by the random draw', () => {
    const p = policy({ jitter: 'full' });
    expect(delayAfterFailure(p, 1, { random: () => 0.5 })).toBe(500);
    expect(delayAfterFailure(p, 3, { random: () => 0.25 })).toBe(1_000);
    expect(delayAfterFailure(p, 3, { random: () => 0 })).toBe(0);
    expect(backoffSchedule(p, draws(0.5, 1 - 1e-9, 0.1, 0.75))).toEqual([500, 2_000, 400, 6_000]);
  });

  it('decorrelated jitter draws between base and three times the previous delay', () => {
    const p = policy({ jitter: 'decorrelated', maxAttempts: 6, capMs: 20_000 });
    // previous 1000 -> [1000, 3000]; previous 3000 -> [1000, 9000]; ...
    expect(delayAfterFailure(p, 1, { random: () => 0 })).toBe(1_000);
    expect(delayAfterFailure(p, 2, { previousDelayMs: 1_000, random: () => 0.5 })).toBe(2_000);
    expect(delayAfterFailure(p, 3, { previousDelayMs: 3_000, random: () => 0.5 })).toBe(5_000);
    expect(delayAfterFailure(p, 4, { previousDelayMs: 15_000, random: () => 0.99 })).toBeLessThanOrEqual(
      20_000,
    );
    const schedule = backoffSchedule(p, draws(1 - 1e-12));
    expect(schedule).toEqual([3_000, 9_000, 20_000, 20_000, 20_000]);
  });

  it('the same random source gives the same schedule', () => {
    const p = policy({ jitter: 'full', maxAttempts: 8 });
    const seeded = () => {
      let x = 42;
      return () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    };
    expect(backoffSchedule(p, seeded())).toEqual(backoffSchedule(p, seeded()));
  });

  it('takes Retry-After as a floor, bounded by maxRetryAfterMs', () => {
    expect(delayAfterFailure(policy(), 1, { retryAfterMs: 30_000 })).toBe(30_000);
    expect(delayAfterFailure(policy(), 3, { retryAfterMs: 10 })).toBe(4_000);
    expect(delayAfterFailure(policy(), 1, { retryAfterMs: 365 * 86_400_000 })).toBe(60_000);
    expect(delayAfterFailure(policy({ maxRetryAfterMs: 120_000 }), 1, { retryAfterMs: 90_000 })).toBe(90_000);
  });

  it('survives a misbehaving random source and huge attempt numbers', () => {
    const p = policy({ jitter: 'full', maxAttempts: 10_000 });
    expect(delayAfterFailure(p, 3, { random: () => -5 })).toBe(0);
    expect(delayAfterFailure(p, 3, { random: () => 7 })).toBeLessThanOrEqual(4_000);
    expect(delayAfterFailure(policy({ maxAttempts: 10_000 }), 5_000)).toBe(60_000);
    expect(() => delayAfterFailure(p, 0)).toThrow(RangeError);
  });
});

describe('validateBackoffPolicy', () => {
  it('accepts the delivery default and names the bad field otherwise', () => {
    expect(validateBackoffPolicy(DEFAULT_DELIVERY_BACKOFF)).toBe(DEFAULT_DELIVERY_BACKOFF);
    expect(() => validateBackoffPolicy(policy({ baseMs: 0 }))).toThrow(/baseMs/);
    expect(() => validateBackoffPolicy(policy({ capMs: 10 }))).toThrow(/capMs/);
    expect(() => validateBackoffPolicy(policy({ maxAttempts: 0 }))).toThrow(/maxAttempts/);
  });

  it('the default spans hours, not minutes', () => {
    const longest = backoffSchedule(DEFAULT_DELIVERY_BACKOFF, () => 1 - 1e-12);
    expect(longest).toHaveLength(DEFAULT_DELIVERY_BACKOFF.maxAttempts - 1);
    expect(longest.reduce((a, b) => a + b, 0)).toBeGreaterThan(12 * 60 * 60 * 1000);
  });
});
