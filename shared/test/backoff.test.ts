import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  backoffSchedule,
  delayAfterFailure,
  validateBackoffPolicy,
  type BackoffPolicy,
} from '../src/backoff.ts';

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

describe('backoffDelay (retrying without an end, as the agent and the desktop do)', () => {
  it('never gives up, and keeps the cap however many attempts failed', () => {
    const curve = { baseMs: 1_000, capMs: 15_000, jitter: 'none' } as const;
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(curve, n))).toEqual([
      1_000, 2_000, 4_000, 8_000, 15_000, 15_000,
    ]);
    expect(backoffDelay(curve, 1_000_000)).toBe(15_000);
  });

  it('full jitter draws from the injected source, below the exponential step', () => {
    const curve = { baseMs: 1_000, capMs: 300_000, jitter: 'full' } as const;
    expect(backoffDelay(curve, 1, { random: () => 0.5 })).toBe(500);
    expect(backoffDelay(curve, 4, { random: () => 0.5 })).toBe(4_000);
    for (let n = 1; n < 20; n++) expect(backoffDelay(curve, n)).toBeLessThanOrEqual(300_000);
  });

  it("takes a Retry-After (or none: null) as a floor, bounded by the curve's maximum", () => {
    const curve = { baseMs: 5, capMs: 20, jitter: 'full', maxRetryAfterMs: 3_600_000 } as const;
    expect(backoffDelay(curve, 1, { retryAfterMs: null, random: () => 0 })).toBe(0);
    expect(backoffDelay(curve, 1, { retryAfterMs: 90_000, random: () => 0 })).toBe(90_000);
    expect(backoffDelay(curve, 1, { retryAfterMs: 30 * 86_400_000, random: () => 0 })).toBe(3_600_000);
  });

  it('gives the same delays as delayAfterFailure until the policy ends', () => {
    const p = policy({ jitter: 'full' });
    const random = () => 0.3;
    for (let n = 1; n < p.maxAttempts; n++)
      expect(backoffDelay(p, n, { random })).toBe(delayAfterFailure(p, n, { random }));
  });
});

describe('validateBackoffPolicy', () => {
  it('names the bad field', () => {
    expect(validateBackoffPolicy(policy())).toEqual(policy());
    expect(() => validateBackoffPolicy(policy({ baseMs: 0 }))).toThrow(/baseMs/);
    expect(() => validateBackoffPolicy(policy({ capMs: 10 }))).toThrow(/capMs/);
    expect(() => validateBackoffPolicy(policy({ maxAttempts: 0 }))).toThrow(/maxAttempts/);
    expect(() => validateBackoffPolicy({ baseMs: 1, capMs: 2, jitter: 'none', maxRetryAfterMs: -1 })).toThrow(
      /maxRetryAfterMs/,
    );
    expect(validateBackoffPolicy({ baseMs: 1, capMs: 2, jitter: 'none' })).toBeTruthy(); // no end: fine
  });
});
