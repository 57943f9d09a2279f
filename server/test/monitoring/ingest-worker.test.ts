import { randomUUID } from 'node:crypto';
import type { Snapshot } from '@vigilo/shared/snapshot';
import { enrollAgent, type TestAgent } from '@vigilo/tests/support/agent';
import { outcome } from '@vigilo/tests/support/client';
import { createTestRedis, type TestRedis } from '@vigilo/tests/support/redis';
import { makeSnapshot, uuidv7 } from '@vigilo/tests/support/snapshots';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { removeDefaultAlertRules } from '@vigilo/tests/support/alerts';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeadLetterStore } from '../../src/monitoring/ingest/dead-letters.ts';
import type { IngestSink } from '../../src/monitoring/ingest/ingest.ts';
import { createDurabilityGate } from '../../src/monitoring/ingest/redis-durability.ts';
import { createRedisSink } from '../../src/monitoring/ingest/redis-sink.ts';
import { streamNames } from '../../src/monitoring/ingest/stream-names.ts';
import { createStreamWorker, type StreamWorkerMetrics } from '../../src/monitoring/ingest/stream-worker.ts';
import { createLogger } from '../../src/observability/logger.ts';

/**
 * The scaled worker against real Redis and Postgres: batches of one agent stored in one
 * transaction, a failing group falling back to one batch per transaction, poison batches moved to
 * the dead letters after N attempts (counted in /metrics, listed and retried by admins), and a
 * transaction slower than the claim timeout storing nothing twice.
 */
let world: World;
let redis: TestRedis;
let agent: TestAgent;
let sink: IngestSink;
const log = createLogger('silent');
const clients: Redis[] = [];
const hosts: Array<{ id: string; hostname: string }> = [];

beforeAll(async () => {
  redis = await createTestRedis('worker');
  world = await createWorld();
  // Its alerts come from the rules it makes; the defaults would open more.
  await removeDefaultAlertRules(world);
  agent = await enrollAgent(world);
  const gate = createDurabilityGate(redis.client, { allowVolatile: true, log });
  await gate.refresh();
  const deadLetters = createDeadLetterStore(redis.client, streamNames(redis.prefix));
  sink = createRedisSink(redis.client, {
    names: streamNames(redis.prefix),
    limits: { entries: 1000, bytes: 1 << 30 },
    gate,
    log,
    deadLetters,
  });
  world.server.services.ingest = sink;
  // As the runtime wires it in scaled mode.
  world.server.services.metrics.ingest.watchDeadLetters(() => deadLetters.count());
  for (let i = 0; i < 3; i++) {
    const hostname = `w${i}.internal`;
    const { id } = await world
      .client('member')
      .hosts.add.mutate({ workspace: 'acme', hostname, port: 443, agentId: agent.id });
    hosts.push({ id, hostname });
  }
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await world?.close();
  await redis?.cleanup();
});

const metered = { deadLettered: 0, groupFellBack: 0 };
function worker(consumer: string, opts: { claimIdleMs?: number; maxAttempts?: number } = {}) {
  const client = new Redis(redis.url);
  clients.push(client);
  const metrics: StreamWorkerMetrics = {
    deadLettered: () => {
      metered.deadLettered += 1;
      world.server.services.metrics.ingest.deadLettered.inc();
    },
    groupFellBack: () => void (metered.groupFellBack += 1),
    stored: () => {},
  };
  return createStreamWorker({
    redis: client,
    db: world.server.services.db,
    names: streamNames(redis.prefix),
    consumer,
    clock: () => new Date(),
    log,
    claimIdleMs: opts.claimIdleMs ?? 30_000,
    maxAttempts: opts.maxAttempts ?? 3,
    metrics,
    autoStart: false,
  });
}

/** Queues a batch as a receiver would after validating it. */
async function queue(snapshots: Snapshot[]) {
  const batchId = uuidv7();
  const res = await sink.submit({
    agentId: agent.id,
    workspaceId: world.workspace.id,
    batchId,
    snapshots,
    losses: [],
    receivedAt: new Date().toISOString(),
  });
  expect(res.kind).toBe('queued');
  return batchId;
}
const good = (i: number) => [makeSnapshot({ hostId: hosts[i]!.id, hostname: hosts[i]!.hostname })];
// A host the database does not know: its status row breaks the foreign key (SQLSTATE 23503).
const ghost = randomUUID();
const bad = () => [makeSnapshot({ hostId: ghost, hostname: 'ghost.internal' })];

const stored = async (snapshots: Snapshot[]) =>
  (
    await world.server.services.db.owner.query<{ n: number; tx: number }>(
      // received_at is the transaction's start: one value per transaction that stored them.
      'SELECT count(*)::int AS n, count(DISTINCT received_at)::int AS tx FROM snapshots WHERE id = ANY($1)',
      [snapshots.map((s) => s.id)],
    )
  ).rows[0]!;

const names = () => streamNames(redis.prefix);

describe('several batches per transaction', () => {
  it('stores the batches of one agent in one transaction', async () => {
    const batches = [good(0), good(1), good(2)];
    for (const b of batches) await queue(b);
    expect(await worker('group').runOnce()).toBe(3);
    expect(await stored(batches.flat())).toEqual({ n: 3, tx: 1 });
    expect(await redis.client.xlen(names().stream)).toBe(0);
    expect(Number(await redis.client.get(names().bytes))).toBe(0);
  });

  it('falls back to one batch per transaction when the group fails, so the others are stored', async () => {
    const [a, b, c] = [good(0), bad(), good(1)];
    await queue(a);
    await queue(b);
    await queue(c);
    expect(await worker('fallback').runOnce()).toBe(2);
    expect(metered.groupFellBack).toBe(1);
    expect((await stored([...a, ...c])).n).toBe(2);
    expect((await stored(b)).n).toBe(0);
    // The bad one stays pending with its first failed attempt noted.
    const pending = (await redis.client.xpending(names().stream, names().group)) as [number];
    expect(pending[0]).toBe(1);
    const noted = Object.values(await redis.client.hgetall(names().errors)).map(
      (v) => JSON.parse(v) as unknown,
    );
    expect(noted).toEqual([{ attempts: 1, reason: 'the database refused the batch (SQLSTATE 23503)' }]);
  });
});

describe('poison batches', () => {
  it('moves a batch that keeps failing to the dead letters, counts it in /metrics, and lets an admin retry it', async () => {
    const retrier = worker('retrier', { claimIdleMs: 0, maxAttempts: 3 });
    // Attempt 2 (reclaimed: it had been idle for the claim timeout), then 3: out of attempts.
    expect(await retrier.runOnce()).toBe(0);
    expect(metered.deadLettered).toBe(0);
    expect(await retrier.runOnce()).toBe(0);
    expect(metered.deadLettered).toBe(1);
    // Out of the stream, the byte backlog and the pending list; kept in the workspace's letters.
    expect(await redis.client.xlen(names().stream)).toBe(0);
    expect(Number(await redis.client.get(names().bytes))).toBe(0);
    expect(((await redis.client.xpending(names().stream, names().group)) as [number])[0]).toBe(0);
    // A pass after that finds nothing to retry.
    expect(await retrier.runOnce()).toBe(0);

    const letters = await world.client('admin').ingest.deadLetters.query({ workspace: 'acme' });
    expect(letters).toEqual([
      expect.objectContaining({
        agentId: agent.id,
        snapshots: 1,
        attempts: 3,
        error: 'the database refused the batch (SQLSTATE 23503)',
      }),
    ]);
    // Admins only, and only their own workspace's.
    expect(await outcome(() => world.client('member').ingest.deadLetters.query({ workspace: 'acme' }))).toBe(
      'FORBIDDEN',
    );
    expect(await world.client('outsider').ingest.deadLetters.query({ workspace: 'other' })).toEqual([]);
    expect(
      await outcome(() =>
        world.client('outsider').ingest.retryDeadLetter.mutate({ workspace: 'other', id: letters[0]!.id }),
      ),
    ).toBe('NOT_FOUND');
    expect(
      await outcome(() =>
        world.client('admin').ingest.retryDeadLetter.mutate({ workspace: 'acme', id: 'x' }),
      ),
    ).toBe('BAD_REQUEST');

    const metrics = await (await fetch(`${world.server.url}/metrics`)).text();
    expect(metrics).toMatch(/^vigilo_ingest_dead_lettered_total 1$/m);
    expect(metrics).toMatch(/^vigilo_ingest_dead_letters 1$/m);

    // The cause fixed (the host exists now), the admin queues it again and it is stored.
    await world.server.services.db.owner.query(
      `INSERT INTO hosts (id, workspace_id, hostname, port, interval_s, agent_id) VALUES ($1, $2, 'ghost.internal', 443, 300, $3)`,
      [ghost, world.workspace.id, agent.id],
    );
    const retried = await world
      .client('admin')
      .ingest.retryDeadLetter.mutate({ workspace: 'acme', id: letters[0]!.id });
    expect(retried.queuedAs).toMatch(/^\d+-\d+$/);
    // Twice is refused: it left the letters in one step.
    expect(
      await outcome(() =>
        world.client('admin').ingest.retryDeadLetter.mutate({ workspace: 'acme', id: letters[0]!.id }),
      ),
    ).toBe('NOT_FOUND');
    expect(await worker('after-fix').runOnce()).toBe(1);
    expect(await world.client('admin').ingest.deadLetters.query({ workspace: 'acme' })).toEqual([]);
    const ghostRows = await world.server.services.db.owner.query(
      'SELECT 1 FROM host_status WHERE host_id = $1',
      [ghost],
    );
    expect(ghostRows.rowCount).toBe(1);
  });
});

describe('a transaction slower than the claim timeout', () => {
  it('stores the batch once and opens its alert once when a second worker takes the entry over meanwhile', async () => {
    await world.client('admin').alertRules.create.mutate({
      workspace: 'acme',
      name: 'expiring soon',
      predicate: { kind: 'expires_within', days: 30 },
      scope: { kind: 'host', hostId: hosts[2]!.id },
      severity: 'warning',
    });
    const snapshots = [
      makeSnapshot({
        hostId: hosts[2]!.id,
        hostname: hosts[2]!.hostname,
        notAfter: new Date(Date.now() + 5 * 86_400_000),
      }),
    ];
    await queue(snapshots);
    // Hold the host's status row so the first worker's transaction stalls inside the batch.
    const blocker = await world.server.services.db.owner.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT 1 FROM host_status WHERE host_id = $1 FOR UPDATE', [hosts[2]!.id]);
    const slow = worker('slow').runOnce();
    const waiting = async () =>
      (
        await world.server.services.db.owner.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
      ).rows[0]!.n;
    for (let i = 0; i < 100 && (await waiting()) < 1; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await waiting()).toBe(1);
    // The claim timeout passes: another worker takes the entry and writes it too.
    await new Promise((r) => setTimeout(r, 100));
    const rescuer = worker('rescuer', { claimIdleMs: 50 }).runOnce();
    for (let i = 0; i < 100 && (await waiting()) < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await waiting()).toBe(2);
    await blocker.query('COMMIT');
    blocker.release();
    await Promise.all([slow, rescuer]);

    expect((await stored(snapshots)).n).toBe(1);
    const alerts = await world.server.services.db.owner.query(
      "SELECT 1 FROM alerts WHERE host_id = $1 AND state = 'open'",
      [hosts[2]!.id],
    );
    expect(alerts.rowCount).toBe(1);
    const opened = await world.server.services.db.owner.query(
      "SELECT 1 FROM audit_events WHERE action = 'alert.opened' AND summary::jsonb -> 'after' ->> 'hostId' = $1",
      [hosts[2]!.id],
    );
    expect(opened.rowCount).toBe(1);
    expect(await redis.client.xlen(names().stream)).toBe(0);
    expect(((await redis.client.xpending(names().stream, names().group)) as [number])[0]).toBe(0);
  });
});
