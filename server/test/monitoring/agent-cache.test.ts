import { describe, expect, it } from 'vitest';
import { createAgentCache } from '../../src/monitoring/agents/agent-cache.ts';

/**
 * The receiver's memory of an agent's assigned hosts: concurrent pushes share one reload when the
 * list expires, and a host assigned after a shared reload began is still never refused.
 */
const deferred = <T>() => {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

describe('agent cache: assigned hosts', () => {
  it('gives pushes arriving while the list reloads the same load, once', async () => {
    let t = 0;
    const cache = createAgentCache({ ttlMs: 5_000, now: () => t });
    let loads = 0;
    const gate = deferred<Set<string>>();
    const load = () => {
      loads += 1;
      return gate.promise;
    };
    const pushes = Array.from({ length: 20 }, () => cache.hosts('agent-1', ['h1'], load));
    gate.resolve(new Set(['h1', 'h2']));
    for (const ids of await Promise.all(pushes)) expect([...ids].sort()).toEqual(['h1', 'h2']);
    expect(loads).toBe(1);

    // Held for the TTL, then loaded once more for everyone.
    t = 4_999;
    await cache.hosts('agent-1', ['h2'], () => Promise.reject(new Error('must not load')));
    t = 5_000;
    const again = deferred<Set<string>>();
    const later = Array.from({ length: 5 }, () =>
      cache.hosts('agent-1', ['h1'], () => {
        loads += 1;
        return again.promise;
      }),
    );
    again.resolve(new Set(['h1']));
    await Promise.all(later);
    expect(loads).toBe(2);
  });

  it('loads again for a host the shared load lacks, so a newly assigned host is not refused', async () => {
    const cache = createAgentCache({ ttlMs: 5_000, now: () => 0 });
    const before = deferred<Set<string>>();
    const first = cache.hosts('agent-1', ['h1'], () => before.promise);
    // h9 is assigned while the first load runs; this push names it.
    const second = cache.hosts('agent-1', ['h9'], () => Promise.resolve(new Set(['h1', 'h9'])));
    before.resolve(new Set(['h1']));
    expect([...(await first)]).toEqual(['h1']);
    expect([...(await second)].sort()).toEqual(['h1', 'h9']);
    // The newer list is the one kept.
    expect(
      [...(await cache.hosts('agent-1', ['h9'], () => Promise.reject(new Error('cached'))))].sort(),
    ).toEqual(['h1', 'h9']);
  });

  it('passes a failed load to every push waiting on it, and the next push loads afresh', async () => {
    const cache = createAgentCache({ ttlMs: 5_000, now: () => 0 });
    const failing = deferred<Set<string>>();
    const waiting = [
      cache.hosts('a', ['h1'], () => failing.promise),
      cache.hosts('a', ['h1'], () => failing.promise),
    ];
    failing.reject(new Error('database unavailable'));
    for (const w of waiting) await expect(w).rejects.toThrow('database unavailable');
    await expect(cache.hosts('a', ['h1'], () => Promise.resolve(new Set(['h1'])))).resolves.toEqual(
      new Set(['h1']),
    );
  });

  it('loads on every push when the cache is off', async () => {
    const cache = createAgentCache({ ttlMs: 0 });
    let loads = 0;
    const load = () => {
      loads += 1;
      return Promise.resolve(new Set(['h1']));
    };
    await Promise.all([cache.hosts('a', ['h1'], load), cache.hosts('a', ['h1'], load)]);
    expect(loads).toBe(2);
  });
});
