import { enrollAgent, type TestAgent } from '@vigilo/tests/support/agent';
import { waitFor } from '@vigilo/tests/support/processes';
import { createTestRedis, type TestRedis } from '@vigilo/tests/support/redis';
import { makeSnapshot, uuidv7 } from '@vigilo/tests/support/snapshots';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.ts';
import { startScaledIngest } from '../../src/monitoring/ingest/scaled-ingest.ts';
import { streamNames } from '../../src/monitoring/ingest/stream-names.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';

/**
 * VIGILO_INGEST_CLAIM_IDLE_MS reaches the workers the runtime starts: the entries a dead worker
 * read and never acknowledged are taken over once they have been idle that long, not after the
 * default 30 s. Real Redis and Postgres; the "dead" worker is a consumer that reads and stops.
 */
const CLAIM_IDLE_MS = 5000;
let world: World;
let redis: TestRedis;
let agent: TestAgent;
let host: { id: string; hostname: string };
const log = createLogger('silent');

beforeAll(async () => {
  redis = await createTestRedis('claimidle');
  world = await createWorld();
  agent = await enrollAgent(world);
  const hostname = 'claim.internal';
  const { id } = await world
    .client('member')
    .hosts.add.mutate({ workspace: 'acme', hostname, port: 443, agentId: agent.id });
  host = { id, hostname };
});
afterAll(async () => {
  await world?.close();
  await redis?.cleanup();
});

describe('the ingest claim timeout', () => {
  it('takes over a dead consumer’s entry after the configured idle', { timeout: 60_000 }, async () => {
    const config = loadConfig(
      {
        REDIS_URL: redis.url,
        VIGILO_REDIS_PREFIX: redis.prefix,
        VIGILO_INGEST_CLAIM_IDLE_MS: String(CLAIM_IDLE_MS),
        VIGILO_INGEST_WORKERS: '1',
        // The shared test Redis keeps nothing on disk; these tests accept that.
        VIGILO_INGEST_ALLOW_VOLATILE_REDIS: 'true',
      },
      '/',
    );
    expect(config.ingestClaimIdleMs).toBe(CLAIM_IDLE_MS);
    const names = streamNames(redis.prefix);
    const receiver = new Redis(redis.url, { lazyConnect: true, enableOfflineQueue: false });
    await receiver.connect();
    const common = {
      url: redis.url,
      receiver,
      config,
      db: world.server.services.db,
      clock: () => new Date(),
      log,
    };
    const front = await startScaledIngest({ ...common, metrics: createMetrics().ingest, workers: false });
    let back: Awaited<ReturnType<typeof startScaledIngest>> | undefined;
    try {
      const snapshot = makeSnapshot({ hostId: host.id, hostname: host.hostname });
      const queued = await front.sink.submit({
        agentId: agent.id,
        workspaceId: world.workspace.id,
        batchId: uuidv7(),
        snapshots: [snapshot],
        losses: [],
        receivedAt: new Date().toISOString(),
      });
      expect(queued.kind).toBe('queued');
      await redis.client.xgroup('CREATE', names.stream, names.group, '0', 'MKSTREAM');
      // Taken before the read: the entry's idle time in Redis starts at or after this.
      const readAt = Date.now();
      const read = (await redis.client.xreadgroup(
        'GROUP',
        names.group,
        'dead',
        'COUNT',
        10,
        'STREAMS',
        names.stream,
        '>',
      )) as Array<[string, unknown[]]> | null;
      expect(read?.[0]?.[1]).toHaveLength(1);

      back = await startScaledIngest({ ...common, metrics: createMetrics().ingest, workers: true });
      const stored = async () =>
        (
          await world.server.services.db.owner.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM snapshots WHERE id = $1',
            [snapshot.id],
          )
        ).rows[0]!.n;
      // Bounded below the 30 s default: a worker that ignored the setting would still be waiting.
      await waitFor(
        'the entry stored by the new worker',
        async () => (await stored()) === 1 || undefined,
        25_000,
        100,
      );
      const waited = Date.now() - readAt;
      // Redis refuses XCLAIM before the entry has been idle that long: this floor cannot flake.
      expect(waited).toBeGreaterThanOrEqual(CLAIM_IDLE_MS);
      expect(((await redis.client.xpending(names.stream, names.group)) as [number])[0]).toBe(0);
      expect(await redis.client.xlen(names.stream)).toBe(0);
    } finally {
      await back?.stop();
      await front.stop();
      receiver.disconnect();
    }
  });
});
