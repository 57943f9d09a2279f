/**
 * Retry schedules: exponential backoff with jitter, capped. The one implementation behind the
 * agent's pushes, the server's deliveries and the desktop's sync retries. Jitter spreads the
 * retries of many clients that failed together (a server or a receiver down) so they do not all
 * return in the same second and knock it over again.
 *
 * Pure: the random source is injected, so a test (or a replayed schedule) is deterministic.
 */

export type JitterMode =
  /** No randomness: base·2^(n−1), capped. For tests and predictable schedules. */
  | 'none'
  /** Uniform in [0, base·2^(n−1)], capped ("full jitter"): the widest spread. */
  | 'full'
  /** Uniform in [base, 3·previous delay], capped ("decorrelated jitter"): grows without lockstep. */
  | 'decorrelated';

/** How delays grow: for retrying that never gives up by itself (the agent, the desktop). */
export type BackoffCurve = {
  /** The first retry's (un-jittered) delay, ms. */
  baseMs: number;
  /** No delay is ever longer, ms. */
  capMs: number;
  jitter: JitterMode;
  /**
   * The longest Retry-After a receiver may impose, ms. A receiver asking for more (or a buggy
   * header meaning a year) gets this instead. Defaults to capMs.
   */
  maxRetryAfterMs?: number;
};

/** A curve with an end: after `maxAttempts` attempts in all, give up (the server's deliveries). */
export type BackoffPolicy = BackoffCurve & {
  /** Attempts in total, the first one included; after the last one fails, give up. */
  maxAttempts: number;
};

/** A random source like Math.random: uniform in [0, 1). */
export type RandomSource = () => number;

/** What one delay depends on besides the curve and the attempt. */
export type BackoffOptions = {
  /**
   * The delay used before the failed attempt (decorrelated jitter grows from it; ignored
   * otherwise). Omit for the first retry.
   */
  previousDelayMs?: number;
  /**
   * The receiver's Retry-After, ms from now: honoured as a floor (the receiver knows when it will
   * be back) but never beyond maxRetryAfterMs. Null or absent: none was given.
   */
  retryAfterMs?: number | null;
  /** Defaults to Math.random; inject one in tests. */
  random?: RandomSource;
};

/**
 * Checks a policy once, so a bad setting fails at start rather than as NaN delays at 3 a.m.
 * Throws a RangeError naming the field.
 */
export function validateBackoffPolicy<P extends BackoffCurve & { maxAttempts?: number }>(policy: P): P {
  const positive = (name: keyof BackoffPolicy, value: number | undefined) => {
    if (value !== undefined && (!Number.isFinite(value) || value <= 0)) {
      throw new RangeError(`backoff ${name} must be a positive number of milliseconds, got ${value}`);
    }
  };
  positive('baseMs', policy.baseMs);
  positive('capMs', policy.capMs);
  positive('maxRetryAfterMs', policy.maxRetryAfterMs);
  if (policy.capMs < policy.baseMs) {
    throw new RangeError(`backoff capMs (${policy.capMs}) must not be below baseMs (${policy.baseMs})`);
  }
  if (
    policy.maxAttempts !== undefined &&
    (!Number.isSafeInteger(policy.maxAttempts) || policy.maxAttempts < 1)
  ) {
    throw new RangeError(
      `backoff maxAttempts must be a whole number of at least 1, got ${policy.maxAttempts}`,
    );
  }
  return policy;
}

/**
 * The delay before the attempt that follows attempt `failedAttempt` (1-based: after the first
 * failure, 1), in whole ms. Never gives up: callers that do, use {@link delayAfterFailure}.
 */
export function backoffDelay(
  curve: BackoffCurve,
  failedAttempt: number,
  options: BackoffOptions = {},
): number {
  if (!Number.isSafeInteger(failedAttempt) || failedAttempt < 1) {
    throw new RangeError(`failedAttempt must be a whole number of at least 1, got ${failedAttempt}`);
  }
  const random = options.random ?? Math.random;
  const { baseMs, capMs } = curve;
  // 2^(n-1) overflows to Infinity long before a safe integer attempt count; min() tames it.
  const exponential = Math.min(capMs, baseMs * 2 ** (failedAttempt - 1));
  let delay: number;
  switch (curve.jitter) {
    case 'none':
      delay = exponential;
      break;
    case 'full':
      delay = unit(random) * exponential;
      break;
    case 'decorrelated': {
      const previous = Math.max(baseMs, options.previousDelayMs ?? baseMs);
      const upper = Math.min(capMs, previous * 3);
      delay = baseMs + unit(random) * (upper - baseMs);
      break;
    }
    default: {
      const unknown: never = curve.jitter;
      throw new Error(`unknown jitter mode ${String(unknown)}`);
    }
  }
  delay = Math.min(capMs, delay);
  const retryAfter = options.retryAfterMs;
  if (typeof retryAfter === 'number' && Number.isFinite(retryAfter) && retryAfter > 0) {
    delay = Math.max(delay, Math.min(retryAfter, curve.maxRetryAfterMs ?? capMs));
  }
  return Math.round(delay);
}

/**
 * Like {@link backoffDelay}, for a policy that gives up: `undefined` when `failedAttempt` was the
 * last attempt allowed.
 */
export function delayAfterFailure(
  policy: BackoffPolicy,
  failedAttempt: number,
  options: BackoffOptions = {},
): number | undefined {
  if (Number.isSafeInteger(failedAttempt) && failedAttempt >= policy.maxAttempts) return undefined;
  return backoffDelay(policy, failedAttempt, options);
}

/**
 * The whole schedule of a policy for one random source: the delays before attempts 2…maxAttempts.
 * For showing an admin "retries for about N hours", and for tests.
 */
export function backoffSchedule(policy: BackoffPolicy, random?: RandomSource): number[] {
  const delays: number[] = [];
  let previous: number | undefined;
  for (let attempt = 1; ; attempt++) {
    const delay = delayAfterFailure(policy, attempt, {
      ...(previous === undefined ? {} : { previousDelayMs: previous }),
      ...(random === undefined ? {} : { random }),
    });
    if (delay === undefined) return delays;
    delays.push(delay);
    previous = delay;
  }
}

/** A random draw clamped into [0, 1), so a faulty source cannot produce negative or huge delays. */
function unit(random: RandomSource): number {
  const r = random();
  if (!Number.isFinite(r) || r < 0) return 0;
  return r >= 1 ? 1 - Number.EPSILON : r;
}
