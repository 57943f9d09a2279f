import type { BackoffPolicy } from '@vigilo/shared/backoff';

/**
 * The delivery default: 15 attempts, from ~5 s to at most 6 h apart — up to ~17 h in all (about
 * half that on average with full jitter), the multi-hour schedule the Standard Webhooks
 * specification recommends so a receiver down overnight still gets its events. The curve itself
 * is the one every program retries by (@vigilo/shared/backoff).
 */
export const DEFAULT_DELIVERY_BACKOFF: BackoffPolicy = {
  baseMs: 5_000,
  capMs: 6 * 60 * 60 * 1000,
  maxAttempts: 15,
  jitter: 'full',
};
