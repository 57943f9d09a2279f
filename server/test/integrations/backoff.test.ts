import { backoffSchedule, validateBackoffPolicy } from '@vigilo/shared/backoff';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DELIVERY_BACKOFF } from '../../src/integrations/backoff.ts';

// The curve itself is tested in shared/test/backoff.test.ts; here, the deliveries' own policy.
describe('the delivery backoff policy', () => {
  it('is a valid policy', () => {
    expect(validateBackoffPolicy(DEFAULT_DELIVERY_BACKOFF)).toBe(DEFAULT_DELIVERY_BACKOFF);
  });

  it('spans hours, not minutes', () => {
    const longest = backoffSchedule(DEFAULT_DELIVERY_BACKOFF, () => 1 - 1e-12);
    expect(longest).toHaveLength(DEFAULT_DELIVERY_BACKOFF.maxAttempts - 1);
    expect(longest.reduce((a, b) => a + b, 0)).toBeGreaterThan(12 * 60 * 60 * 1000);
  });
});
