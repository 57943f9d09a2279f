import { createHash } from 'node:crypto';
import type { AuthenticatedAgent } from './agent-auth.ts';

/**
 * A short memory of agent credentials and assigned hosts for the push path, so a receiver does
 * not run two Postgres transactions for every batch (at 10,000 snapshots/s that is 200 a second
 * for facts that change a few times a day).
 *
 * What it costs, stated in the README: for up to `ttlMs` after an agent is revoked, a receiver
 * that saw it recently still takes its pushes (the same agent's real scans; its hosts were its own
 * until the revocation), and the `config_version` in a push answer may be that old (the agent's
 * config long-poll, which is not cached, tells it sooner). A host newly assigned to the agent is
 * never refused: a batch naming a host the cached list lacks reloads the list first. Only
 * successful checks are kept; a bad credential goes to the database (and the failure limit) every
 * time. Credentials are kept as SHA-256 digests, not as the token.
 */
export type AgentCache = {
  agent(
    bearer: string | undefined,
    load: () => Promise<AuthenticatedAgent | undefined>,
  ): Promise<AuthenticatedAgent | undefined>;
  /** The agent's assigned host ids, reloaded when cached ones lack any of `wanted`. */
  hosts(agentId: string, wanted: Iterable<string>, load: () => Promise<Set<string>>): Promise<Set<string>>;
};

/** At most this many entries per map; past it, expired entries go, then everything. */
const MAX_ENTRIES = 10_000;

type Held<T> = { value: T; until: number };

function sweep<T>(map: Map<string, Held<T>>, now: number) {
  if (map.size < MAX_ENTRIES) return;
  for (const [k, v] of map) if (v.until <= now) map.delete(k);
  if (map.size >= MAX_ENTRIES) map.clear();
}

/** A cache keeping each answer `ttlMs` (0: no cache, every call loads). */
export function createAgentCache(opts: { ttlMs: number; now?: () => number }): AgentCache {
  const now = opts.now ?? Date.now;
  const agents = new Map<string, Held<AuthenticatedAgent>>();
  const hosts = new Map<string, Held<Set<string>>>();
  const loading = new Map<string, Promise<Set<string>>>();
  return {
    agent: async (bearer, load) => {
      if (opts.ttlMs <= 0 || !bearer) return load();
      const key = createHash('sha256').update(bearer).digest('base64');
      const held = agents.get(key);
      if (held && held.until > now()) return held.value;
      const agent = await load();
      if (agent) {
        sweep(agents, now());
        agents.set(key, { value: agent, until: now() + opts.ttlMs });
      } else agents.delete(key);
      return agent;
    },
    hosts: async (agentId, wanted, load) => {
      if (opts.ttlMs <= 0) return load();
      const want = [...wanted];
      const covers = (ids: Set<string>) => want.every((id) => ids.has(id));
      const held = hosts.get(agentId);
      if (held && held.until > now() && covers(held.value)) return held.value;
      // One load per agent at a time: when the list expires, the pushes in flight (dozens under
      // load, each list as long as the agent's fleet) wait for the same one. A load that began
      // before a host was assigned may lack it; then this push loads again, so a newly assigned
      // host is still never refused.
      const shared = loading.get(agentId);
      if (shared && covers(await shared)) return shared;
      const fresh = load().then((ids) => {
        sweep(hosts, now());
        hosts.set(agentId, { value: ids, until: now() + opts.ttlMs });
        return ids;
      });
      loading.set(agentId, fresh);
      // Its own waiters see a failure; this chain only forgets the load, whichever way it ends.
      fresh
        .finally(() => {
          if (loading.get(agentId) === fresh) loading.delete(agentId);
        })
        .catch(() => {});
      return fresh;
    },
  };
}
