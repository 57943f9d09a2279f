import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { AGENT_PATHS } from '@vigilo/shared/agent-protocol';
import { createTestRedis, type TestRedis } from '@vigilo/tests/support/redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { createDurabilityGate } from '../../src/monitoring/ingest/redis-durability.ts';
import { createRedisSink } from '../../src/monitoring/ingest/redis-sink.ts';
import { streamNames } from '../../src/monitoring/ingest/stream-names.ts';
import { createStreamWorker } from '../../src/monitoring/ingest/stream-worker.ts';
import { makeSnapshot, uuidv7 } from '@vigilo/tests/support/snapshots';
import { createWorld, type World } from '@vigilo/tests/support/world';

/**
 * Scaled-mode ingest against real Redis: the receiver appends to a stream and acknowledges; the
 * worker stores and XACKs after commit. The server under test uses the Redis sink; workers are
 * driven by hand so each step is observable.
 */
let world: World;
let redis: TestRedis;
let agentToken: string;
let hostId: string;
const log = createLogger('silent');

/** The shared test Redis keeps nothing on disk: these tests accept that, as a developer would. */
async function volatileSink(client: Redis, prefix: string, maxEntries: number) {
  const gate = createDurabilityGate(client, { allowVolatile: true, log });
  await gate.refresh();
  return createRedisSink(client, {
    names: streamNames(prefix),
    limits: { entries: maxEntries, bytes: 1024 * 1024 * 1024 },
    gate,
    log,
    backlogCacheMs: 0,
  });
}

beforeAll(async () => {
  redis = await createTestRedis('ingest');
  world = await createWorld();
  world.server.services.ingest = await volatileSink(redis.client, redis.prefix, 3);
  const admin = world.client('admin');
  const { token } = await admin.agents.createEnrollmentToken.mutate({ workspace: 'acme', name: 'dc' });
  const enrolled = (await (
    await fetch(`${world.server.url}${AGENT_PATHS.enroll}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, name: 'a', agent_version: 't', platform: 'linux' }),
    })
  ).json()) as { agent_token: string; agent_id: string };
  agentToken = enrolled.agent_token;
  ({ id: hostId } = await admin.hosts.add.mutate({
    workspace: 'acme',
    hostname: 'q.internal',
    port: 443,
    agentId: enrolled.agent_id,
  }));
});
afterAll(async () => {
  await world?.close();
  await redis?.cleanup();
});

const push = (snapshots: unknown[]) =>
  fetch(`${world.server.url}${AGENT_PATHS.snapshots}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${agentToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      batch_id: uuidv7(),
      agent_version: 't',
      sent_at: new Date().toISOString(),
      snapshots,
    }),
  });

const stored = async (ids: string[]) =>
  (
    await world.server.services.db.owner.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM snapshots WHERE id = ANY($1)',
      [ids],
    )
  ).rows[0]?.n;

function worker(consumer: string, claimIdleMs = 30_000) {
  return createStreamWorker({
    redis: new Redis(redis.url),
    db: world.server.services.db,
    names: streamNames(redis.prefix),
    consumer,
    clock: () => new Date(),
    log,
    claimIdleMs,
    autoStart: false,
  });
}

describe('scaled ingest (Redis Streams)', () => {
  it('acknowledges after the append, stores on the worker, and stores a re-pushed batch once', async () => {
    const batch = [
      makeSnapshot({ hostId, hostname: 'q.internal' }),
      makeSnapshot({ hostId, hostname: 'q.internal' }),
    ];
    const res = await push(batch);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { accepted: string[] }).accepted).toHaveLength(2);
    expect(await stored(batch.map((s) => s.id))).toBe(0); // queued, not yet written
    expect((await push(batch)).status).toBe(200); // the agent retried: queued again
    const w = worker('w1');
    expect(await w.runOnce()).toBe(2);
    expect(await stored(batch.map((s) => s.id))).toBe(2);
    expect(await redis.client.xlen(streamNames(redis.prefix).stream)).toBe(0);
  });

  it('loses nothing when a worker dies mid-batch: another claims its pending entry', async () => {
    const batch = [makeSnapshot({ hostId, hostname: 'q.internal' })];
    expect((await push(batch)).status).toBe(200);
    const names = streamNames(redis.prefix);
    // Worker "dead" reads the entry and dies before writing or acknowledging it.
    const dead = new Redis(redis.url);
    const read = await dead.xreadgroup(
      'GROUP',
      names.group,
      'dead',
      'COUNT',
      10,
      'STREAMS',
      names.stream,
      '>',
    );
    expect(read).not.toBeNull();
    dead.disconnect();
    expect(await stored(batch.map((s) => s.id))).toBe(0);
    const rescuer = worker('rescuer', 0);
    expect(await rescuer.runOnce()).toBe(1);
    expect(await stored(batch.map((s) => s.id))).toBe(1);
    const pending = (await redis.client.xpending(names.stream, names.group)) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
  });

  it('answers 503 with Retry-After when the stream backlog is over its limit', async () => {
    for (let i = 0; i < 3; i++) expect((await push([makeSnapshot({ hostId })])).status).toBe(200);
    const res = await push([makeSnapshot({ hostId })]);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await res.json()).toMatchObject({ error: { code: 'backpressure' } });
    await worker('drain').runOnce();
    expect((await push([makeSnapshot({ hostId })])).status).toBe(200);
    await worker('drain').runOnce();
  });
});

describe('Redis stopped', () => {
  let server: ChildProcess | undefined;
  let port: number;
  const start = async () => {
    server = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 50; i++) {
      const up = await new Promise<boolean>((r) =>
        net
          .connect(port, '127.0.0.1')
          .once('connect', function (this: net.Socket) {
            this.end();
            r(true);
          })
          .once('error', () => r(false)),
      );
      if (up) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('redis-server did not start');
  };
  beforeAll(async () => {
    port = await new Promise<number>((r) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => r(p));
      });
    });
    await start();
  });
  afterAll(() => {
    server?.kill('SIGKILL');
  });

  it('answers 503 while Redis is down and accepts again once it is back', async () => {
    const client = new Redis({
      port,
      host: '127.0.0.1',
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: () => 100,
    });
    await new Promise((r) => client.once('ready', r));
    world.server.services.ingest = await volatileSink(client, 'vigilo:down-test:', 1000);
    expect((await push([makeSnapshot({ hostId })])).status).toBe(200);
    server?.kill('SIGKILL');
    await new Promise((r) => server?.once('exit', r));
    const down = await push([makeSnapshot({ hostId })]);
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('10');
    await start();
    // The client reconnects by itself within its retry interval; the agent retries until then.
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await push([makeSnapshot({ hostId })])).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
    client.disconnect();
  });
});
