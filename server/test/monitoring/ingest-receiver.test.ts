import { gzipSync } from 'node:zlib';
import { AGENT_PATHS } from '@vigilo/shared/agent-protocol';
import { enrollAgent, type TestAgent } from '@vigilo/tests/support/agent';
import { createTestRedis, type TestRedis } from '@vigilo/tests/support/redis';
import { makeSnapshot, uuidv7 } from '@vigilo/tests/support/snapshots';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sameJson } from '../../src/http/raw-body.ts';
import { createDurabilityGate } from '../../src/monitoring/ingest/redis-durability.ts';
import { type BacklogLimits, createRedisSink } from '../../src/monitoring/ingest/redis-sink.ts';
import { streamNames } from '../../src/monitoring/ingest/stream-names.ts';
import { createStreamWorker } from '../../src/monitoring/ingest/stream-worker.ts';
import { createLogger } from '../../src/observability/logger.ts';

/**
 * The lean scaled receiver: the agent's gzip body is queued as received when it holds exactly
 * what was validated (and re-serialised when not, so nothing unvalidated is stored), the backlog
 * is bounded by bytes too, and agent credentials and hosts are remembered for
 * VIGILO_AGENT_CACHE_MS (here 400 ms) without refusing a newly assigned host.
 */
let world: World;
let redis: TestRedis;
let agent: TestAgent;
let host: { id: string; hostname: string };
const log = createLogger('silent');
const clients: Redis[] = [];
const names = () => streamNames(redis.prefix);

beforeAll(async () => {
  redis = await createTestRedis('receiver');
  world = await createWorld({ env: { VIGILO_AGENT_CACHE_MS: '400' } });
  agent = await enrollAgent(world);
  const { id } = await world
    .client('member')
    .hosts.add.mutate({ workspace: 'acme', hostname: 'r.internal', port: 443, agentId: agent.id });
  host = { id, hostname: 'r.internal' };
  await useSink({ entries: 1000, bytes: 1 << 30 });
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await world?.close();
  await redis?.cleanup();
});

async function useSink(limits: BacklogLimits) {
  const gate = createDurabilityGate(redis.client, { allowVolatile: true, log });
  await gate.refresh();
  world.server.services.ingest = createRedisSink(redis.client, {
    names: names(),
    limits,
    gate,
    log,
    backlogCacheMs: 0,
  });
}

const body = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    batch_id: uuidv7(),
    agent_version: 't',
    sent_at: new Date().toISOString(),
    snapshots: [{ ...makeSnapshot({ hostId: host.id, hostname: host.hostname }), ...extra }],
    losses: [],
  });
const push = (payload: Buffer | string, opts: { gzip?: boolean; token?: string } = {}) =>
  fetch(`${world.server.url}${AGENT_PATHS.snapshots}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${opts.token ?? agent.token}`,
      'content-type': 'application/json',
      ...(opts.gzip ? { 'content-encoding': 'gzip' } : {}),
    },
    body: payload,
  });

const lastEntry = async () => {
  const rows = (await redis.client.xrevrangeBuffer(names().stream, '+', '-', 'COUNT', 1)) as Array<
    [Buffer, Buffer[]]
  >;
  const fields = rows[0]![1];
  const get = (name: string) => fields[fields.findIndex((f) => f.toString() === name) + 1]!;
  return { enc: get('enc').toString(), body: get('body') };
};
const drain = () =>
  createStreamWorker({
    redis: clients[clients.push(new Redis(redis.url)) - 1]!,
    db: world.server.services.db,
    names: names(),
    consumer: `drain-${Math.random()}`,
    clock: () => new Date(),
    log,
    autoStart: false,
  }).runOnce();

describe('queueing the body as received', () => {
  it('queues the gzip bytes the agent sent when they hold exactly the validated batch', async () => {
    const gz = gzipSync(body());
    expect((await push(gz, { gzip: true })).status).toBe(200);
    const entry = await lastEntry();
    expect(entry.enc).toBe('gzip');
    expect(entry.body.equals(gz)).toBe(true);
    expect(await drain()).toBe(1);
  });

  it('re-serialises a body with a key the schema does not know, so the unknown key is never stored', async () => {
    const json = body({ smuggled: 'not validated' });
    const id = (JSON.parse(json) as { snapshots: Array<{ id: string }> }).snapshots[0]!.id;
    expect((await push(gzipSync(json), { gzip: true })).status).toBe(200);
    expect((await lastEntry()).enc).toBe('json');
    expect(await drain()).toBe(1);
    const { rows } = await world.server.services.db.owner.query<{ body: Record<string, unknown> }>(
      'SELECT body FROM snapshots WHERE id = $1',
      [id],
    );
    expect(rows[0]?.body).not.toHaveProperty('smuggled');
  });

  it('compares JSON values key for key', () => {
    expect(sameJson({ a: [1, { b: null }] }, { a: [1, { b: null }] })).toBe(true);
    expect(sameJson({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(sameJson({ a: 1, extra: 2 }, { a: 1 })).toBe(false);
    expect(sameJson({ a: 1 }, { a: 1, defaulted: [] })).toBe(false);
    expect(sameJson({ a: ' x' }, { a: 'x' })).toBe(false);
    expect(sameJson([1, 2], { 0: 1, 1: 2 })).toBe(false);
  });
});

describe('backlog bounds', () => {
  it('answers 503 once the queued bytes pass their bound, whatever the entry count', async () => {
    await useSink({ entries: 1000, bytes: 1 });
    expect((await push(body())).status).toBe(200);
    const res = await push(body());
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await drain()).toBe(1);
    expect((await push(body())).status).toBe(200);
    expect(await drain()).toBe(1);
    await useSink({ entries: 1000, bytes: 1 << 30 });
  });
});

describe('remembering agents briefly', () => {
  it('takes a batch for a newly assigned host at once', async () => {
    expect((await push(body())).status).toBe(200);
    const { id } = await world
      .client('member')
      .hosts.add.mutate({ workspace: 'acme', hostname: 'new.internal', port: 443, agentId: agent.id });
    const fresh = JSON.stringify({
      batch_id: uuidv7(),
      agent_version: 't',
      sent_at: new Date().toISOString(),
      snapshots: [makeSnapshot({ hostId: id, hostname: 'new.internal' })],
      losses: [],
    });
    expect((await push(fresh)).status).toBe(200);
    await drain();
  });

  it('lets a revoked agent push for at most VIGILO_AGENT_CACHE_MS, then refuses it', async () => {
    const other = await enrollAgent(world, 'short-lived');
    const { id } = await world
      .client('member')
      .hosts.add.mutate({ workspace: 'acme', hostname: 'sl.internal', port: 443, agentId: other.id });
    const batchFor = () =>
      JSON.stringify({
        batch_id: uuidv7(),
        agent_version: 't',
        sent_at: new Date().toISOString(),
        snapshots: [makeSnapshot({ hostId: id, hostname: 'sl.internal' })],
        losses: [],
      });
    expect((await push(batchFor(), { token: other.token })).status).toBe(200);
    const revokedAt = Date.now();
    await world.client('admin').agents.revoke.mutate({ workspace: 'acme', id: other.id });
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < 2000) {
      status = (await push(batchFor(), { token: other.token })).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(400 + 300);
    await drain();
  });
});
