import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Sliding-window limits on events such as failed sign-ins. Each key remembers the times of its
 * most recent `limit` events; the key is blocked while `limit` of them fall inside the last
 * `windowMs`. Exact (a sliding log, not an approximation), and bounded: at most `limit`
 * timestamps per key.
 */
export type RateLimitPolicy = { limit: number; windowMs: number };

export type RateLimitState = {
  /** False once `limit` events fall inside the window: refuse the next attempt. */
  allowed: boolean;
  /** Events inside the window (at most `limit`). */
  count: number;
  /** 0 when allowed; otherwise when the oldest counted event leaves the window. */
  retryAfterMs: number;
};

/** The contract both implementations keep; tests run the same suite against each. */
export interface RateLimiter {
  readonly policy: RateLimitPolicy;
  /** The state of `key` without recording anything. */
  peek(key: string): Promise<RateLimitState>;
  /** Records one event for `key` and returns the state after it. */
  hit(key: string): Promise<RateLimitState>;
  /** Forgets `key` (e.g. after a successful sign-in). */
  reset(key: string): Promise<void>;
}

/** Milliseconds since the epoch; injected so tests can move time. */
export type Clock = () => number;

function stateOf(policy: RateLimitPolicy, times: readonly number[], now: number): RateLimitState {
  const count = times.length;
  if (count < policy.limit) return { allowed: true, count, retryAfterMs: 0 };
  const oldest = times[0] ?? now;
  return { allowed: false, count, retryAfterMs: Math.max(1, oldest + policy.windowMs - now) };
}

function checkPolicy(policy: RateLimitPolicy): void {
  if (!Number.isSafeInteger(policy.limit) || policy.limit < 1) throw new RangeError('limit must be >= 1');
  if (!Number.isSafeInteger(policy.windowMs) || policy.windowMs < 1)
    throw new RangeError('windowMs must be >= 1');
}

/**
 * In-process limiter for a single server process. Memory stays bounded: expired keys are swept
 * when the map grows past `maxKeys`, and if that is not enough the oldest keys are dropped
 * (forgetting a counter only ever errs towards letting someone try again).
 */
export function createMemoryRateLimiter(
  policy: RateLimitPolicy,
  opts: { clock?: Clock; maxKeys?: number } = {},
): RateLimiter {
  checkPolicy(policy);
  const clock = opts.clock ?? Date.now;
  const maxKeys = opts.maxKeys ?? 100_000;
  const entries = new Map<string, number[]>();

  const live = (key: string, now: number): number[] => {
    const times = (entries.get(key) ?? []).filter((t) => t > now - policy.windowMs);
    if (times.length === 0) entries.delete(key);
    return times;
  };
  const sweep = (now: number) => {
    for (const key of entries.keys()) live(key, now);
    for (const key of entries.keys()) {
      if (entries.size <= maxKeys) break;
      entries.delete(key);
    }
  };

  return {
    policy,
    peek: (key) => {
      const now = clock();
      return Promise.resolve(stateOf(policy, live(key, now), now));
    },
    hit: (key) => {
      const now = clock();
      const times = live(key, now);
      times.push(now);
      if (times.length > policy.limit) times.splice(0, times.length - policy.limit);
      // Re-insert so Map order is least-recently-hit first, which is what the sweep drops.
      entries.delete(key);
      entries.set(key, times);
      if (entries.size > maxKeys) sweep(now);
      return Promise.resolve(stateOf(policy, times, now));
    },
    reset: (key) => {
      entries.delete(key);
      return Promise.resolve();
    },
  };
}

// One sorted set per key, scored by event time. Runs atomically in Redis, so concurrent
// processes never lose a count. Entries at exactly now - window have left the window.
const SLIDING_LOG = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if ARGV[5] == '1' then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(limit + 1))
  redis.call('PEXPIRE', KEYS[1], window)
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {redis.call('ZCARD', KEYS[1]), oldest[2] or ''}
`;

/**
 * Redis limiter, shared by every server process using the same Redis (scaled mode). Time comes
 * from the injected clock rather than Redis TIME, so tests can move it; server clocks are
 * expected to be NTP-synchronised, and a skew of a few seconds only blurs a 15-minute window.
 */
export function createRedisRateLimiter(
  redis: Redis,
  policy: RateLimitPolicy,
  opts: { clock?: Clock; prefix?: string } = {},
): RateLimiter {
  checkPolicy(policy);
  const clock = opts.clock ?? Date.now;
  const prefix = opts.prefix ?? 'vigilo:ratelimit:';

  const run = async (key: string, record: boolean): Promise<RateLimitState> => {
    const now = clock();
    const member = `${now}:${randomBytes(6).toString('hex')}`;
    const reply = (await redis.eval(
      SLIDING_LOG,
      1,
      prefix + key,
      now,
      policy.windowMs,
      policy.limit,
      member,
      record ? '1' : '0',
    )) as [number, string];
    const [count, oldest] = reply;
    if (count < policy.limit) return { allowed: true, count, retryAfterMs: 0 };
    const oldestMs = oldest === '' ? now : Number(oldest);
    return { allowed: false, count, retryAfterMs: Math.max(1, oldestMs + policy.windowMs - now) };
  };

  return {
    policy,
    peek: (key) => run(key, false),
    hit: (key) => run(key, true),
    reset: async (key) => {
      await redis.del(prefix + key);
    },
  };
}

/**
 * Failed sign-ins counted twice: per account (stops guessing one person's password from many
 * addresses) and per client IP (stops one address spraying many accounts). The account key is
 * the hashed, lower-cased email as typed, whether or not such an account exists, so the limiter
 * behaves the same for real and made-up emails and stores no addresses.
 */
export type SignInThrottle = {
  /** The state that blocks first, or undefined when both keys still allow an attempt. */
  blocked(attempt: { ip: string; email: string }): Promise<RateLimitState | undefined>;
  recordFailure(attempt: { ip: string; email: string }): Promise<void>;
  /** A successful sign-in clears the account's count (not the IP's: one success from a spraying
   * address must not buy it another round). */
  recordSuccess(attempt: { email: string }): Promise<void>;
};

/** Defaults in the spirit of OWASP's guidance: a handful per account, more per shared IP. */
/**
 * Failed credential checks (unknown, revoked or expired API, agent or access tokens) per client
 * address. Tokens are long and random, so this is not about guessing one: it stops a client from
 * using the API as an oracle at full speed, and it keeps a misconfigured agent from hammering.
 */
export const CREDENTIAL_FAILURE_POLICY = Object.freeze({ limit: 30, windowMs: 5 * 60_000 });

export const SIGN_IN_POLICIES = Object.freeze({
  perAccount: { limit: 5, windowMs: 15 * 60_000 },
  perIp: { limit: 30, windowMs: 15 * 60_000 },
});

/** Builds the sign-in throttle over two limiters (memory or Redis, same contract). */
export function createSignInThrottle(limiters: {
  perAccount: RateLimiter;
  perIp: RateLimiter;
}): SignInThrottle {
  const accountKey = (email: string) =>
    `signin:account:${createHash('sha256').update(email.trim().toLowerCase()).digest('base64url')}`;
  const ipKey = (ip: string) => `signin:ip:${ip}`;
  return {
    blocked: async ({ ip, email }) => {
      const [account, byIp] = await Promise.all([
        limiters.perAccount.peek(accountKey(email)),
        limiters.perIp.peek(ipKey(ip)),
      ]);
      const refusals = [account, byIp].filter((s) => !s.allowed);
      if (refusals.length === 0) return undefined;
      return refusals.reduce((a, b) => (a.retryAfterMs >= b.retryAfterMs ? a : b));
    },
    recordFailure: async ({ ip, email }) => {
      await Promise.all([limiters.perAccount.hit(accountKey(email)), limiters.perIp.hit(ipKey(ip))]);
    },
    recordSuccess: async ({ email }) => {
      await limiters.perAccount.reset(accountKey(email));
    },
  };
}
