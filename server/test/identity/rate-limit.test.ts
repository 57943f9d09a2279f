import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRedis, type TestRedis } from '@vigilo/tests/support/redis';
import {
  createMemoryRateLimiter,
  createRedisRateLimiter,
  createSignInThrottle,
  type RateLimiter,
  type RateLimitPolicy,
} from '../../src/identity/rate-limit.ts';

let redis: TestRedis;
let n = 0;
beforeAll(async () => {
  redis = await createTestRedis('ratelimit');
});
afterAll(async () => {
  await redis?.cleanup();
});

type Factory = (policy: RateLimitPolicy, clock: () => number) => RateLimiter;
const implementations: Array<[string, Factory]> = [
  ['in-process', (policy, clock) => createMemoryRateLimiter(policy, { clock })],
  [
    'Redis',
    (policy, clock) =>
      createRedisRateLimiter(redis.client, policy, { clock, prefix: `${redis.prefix}${n++}:` }),
  ],
];

describe.each(implementations)('%s sliding-window limiter', (_name, make) => {
  const setup = (policy: RateLimitPolicy = { limit: 3, windowMs: 1000 }) => {
    let now = 1_000_000;
    const limiter = make(policy, () => now);
    return { limiter, advance: (ms: number) => (now += ms) };
  };

  it('allows up to the limit, then blocks with the time until the oldest event leaves', async () => {
    const { limiter, advance } = setup();
    expect(await limiter.hit('k')).toEqual({ allowed: true, count: 1, retryAfterMs: 0 });
    advance(100);
    await limiter.hit('k');
    advance(100);
    expect(await limiter.hit('k')).toEqual({ allowed: false, count: 3, retryAfterMs: 800 });
    expect(await limiter.peek('k')).toEqual({ allowed: false, count: 3, retryAfterMs: 800 });
  });

  it('slides: events leave one by one at exactly window age', async () => {
    const { limiter, advance } = setup();
    await limiter.hit('k');
    advance(100);
    await limiter.hit('k');
    advance(100);
    await limiter.hit('k');
    advance(799);
    expect((await limiter.peek('k')).allowed).toBe(false);
    advance(1);
    expect(await limiter.peek('k')).toEqual({ allowed: true, count: 2, retryAfterMs: 0 });
    advance(1000);
    expect(await limiter.peek('k')).toEqual({ allowed: true, count: 0, retryAfterMs: 0 });
  });

  it('keeps hitting while blocked from extending the block past the last `limit` events', async () => {
    const { limiter, advance } = setup();
    for (let i = 0; i < 10; i++) {
      await limiter.hit('k');
      advance(10);
    }
    const state = await limiter.peek('k');
    expect(state.count).toBe(3);
    // The three most recent hits were at +70, +80, +90; now is +100.
    expect(state.retryAfterMs).toBe(970);
  });

  it('keeps keys apart, peeks without counting, and resets', async () => {
    const { limiter } = setup();
    for (let i = 0; i < 3; i++) await limiter.hit('a');
    await limiter.peek('b');
    await limiter.peek('b');
    expect((await limiter.peek('b')).count).toBe(0);
    expect((await limiter.peek('a')).allowed).toBe(false);
    await limiter.reset('a');
    expect((await limiter.peek('a')).count).toBe(0);
  });
});

describe('Redis limiter across processes', () => {
  it('shares counts between separate connections, atomically under concurrency', async () => {
    const other = new Redis(redis.url, { lazyConnect: true });
    await other.connect();
    try {
      const prefix = `${redis.prefix}shared:`;
      const policy = { limit: 50, windowMs: 60_000 };
      const a = createRedisRateLimiter(redis.client, policy, { prefix });
      const b = createRedisRateLimiter(other, policy, { prefix });
      await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).hit('user')));
      expect((await a.peek('user')).count).toBe(40);
      expect((await b.peek('user')).count).toBe(40);
      const ttl = await redis.client.pttl(`${prefix}user`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    } finally {
      other.disconnect();
    }
  });
});

describe('in-process limiter memory bound', () => {
  it('drops the least recently hit keys past maxKeys', async () => {
    const limiter = createMemoryRateLimiter({ limit: 1, windowMs: 60_000 }, { maxKeys: 2, clock: () => 0 });
    await limiter.hit('a');
    await limiter.hit('b');
    await limiter.hit('c');
    expect((await limiter.peek('a')).count).toBe(0);
    expect((await limiter.peek('c')).count).toBe(1);
  });
});

describe('sign-in throttle', () => {
  const make = () => {
    let now = 0;
    const clock = () => now;
    const throttle = createSignInThrottle({
      perAccount: createMemoryRateLimiter({ limit: 2, windowMs: 1000 }, { clock }),
      perIp: createMemoryRateLimiter({ limit: 3, windowMs: 5000 }, { clock }),
    });
    return { throttle, advance: (ms: number) => (now += ms) };
  };

  it('blocks per account, case-insensitively, whatever the IP', async () => {
    const { throttle, advance } = make();
    await throttle.recordFailure({ ip: '10.0.0.1', email: 'Ada@example.test' });
    await throttle.recordFailure({ ip: '10.0.0.2', email: 'ada@EXAMPLE.test ' });
    expect(await throttle.blocked({ ip: '10.0.0.3', email: 'ada@example.test' })).toMatchObject({
      allowed: false,
    });
    expect(await throttle.blocked({ ip: '10.0.0.3', email: 'grace@example.test' })).toBeUndefined();
    advance(1000);
    expect(await throttle.blocked({ ip: '10.0.0.3', email: 'ada@example.test' })).toBeUndefined();
  });

  it('blocks per IP across accounts, reporting the longer wait; success clears only the account', async () => {
    const { throttle } = make();
    for (const email of ['a@x.test', 'b@x.test', 'c@x.test'])
      await throttle.recordFailure({ ip: '10.0.0.9', email });
    const state = await throttle.blocked({ ip: '10.0.0.9', email: 'd@x.test' });
    expect(state).toMatchObject({ allowed: false, retryAfterMs: 5000 });
    await throttle.recordFailure({ ip: '10.0.0.8', email: 'e@x.test' });
    await throttle.recordFailure({ ip: '10.0.0.8', email: 'e@x.test' });
    await throttle.recordSuccess({ email: 'e@x.test' });
    expect(await throttle.blocked({ ip: '10.0.0.7', email: 'e@x.test' })).toBeUndefined();
    expect(await throttle.blocked({ ip: '10.0.0.9', email: 'e@x.test' })).toBeDefined();
  });

  it('stores no email addresses in its keys', async () => {
    const prefix = `${redis.prefix}noemail:`;
    const throttle = createSignInThrottle({
      perAccount: createRedisRateLimiter(redis.client, { limit: 5, windowMs: 60_000 }, { prefix }),
      perIp: createRedisRateLimiter(redis.client, { limit: 5, windowMs: 60_000 }, { prefix }),
    });
    await throttle.recordFailure({ ip: '10.1.1.1', email: 'secret.person@example.test' });
    const keys = await redis.client.keys(`${prefix}*`);
    expect(keys).toHaveLength(2);
    expect(keys.join(' ')).not.toMatch(/secret|example/);
  });
});
