import { Writable } from 'node:stream';
import { AGENT_PATHS } from '@vigilo/shared/agent-protocol';
import { enrollAgent, type TestAgent } from '@vigilo/tests/support/agent';
import { type RedisServer, startRedisServer } from '@vigilo/tests/support/redis';
import { makeSnapshot, uuidv7 } from '@vigilo/tests/support/snapshots';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createDurabilityGate,
  judgeDurability,
  readPersistence,
  versionAtLeast,
} from '../../src/monitoring/ingest/redis-durability.ts';
import { createRedisSink } from '../../src/monitoring/ingest/redis-sink.ts';
import { streamNames } from '../../src/monitoring/ingest/stream-names.ts';
import { createStreamWorker } from '../../src/monitoring/ingest/stream-worker.ts';
import { createLogger } from '../../src/observability/logger.ts';

/**
 * "Acknowledged means durable" in scaled mode: the receiver reads Redis' persistence settings,
 * refuses to acknowledge into a Redis without an append-only file (or acknowledges with a loud
 * warning when the operator allows it), and with `appendonly yes` + `appendfsync always` an
 * acknowledged batch survives Redis being killed. Each test runs its own redis-server.
 */
let world: World;
let agent: TestAgent;
let hostId: string;
const servers: RedisServer[] = [];
const clients: Redis[] = [];
let logged: Array<{ level: number; msg: string }> = [];
const log = createLogger(
  'info',
  new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
        logged.push(JSON.parse(line) as { level: number; msg: string });
      done();
    },
  }),
);

beforeAll(async () => {
  world = await createWorld();
  agent = await enrollAgent(world);
  ({ id: hostId } = await world
    .client('member')
    .hosts.add.mutate({ workspace: 'acme', hostname: 'd.internal', port: 443, agentId: agent.id }));
});
afterEach(() => {
  logged = [];
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  for (const s of servers) await s.stop();
  await world?.close();
});

async function receiverOn(
  opts: { appendonly: boolean; appendfsync?: 'always' | 'everysec' },
  allowVolatile: boolean,
) {
  const server = await startRedisServer(opts);
  servers.push(server);
  const client = new Redis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  clients.push(client);
  await new Promise((r) => client.once('ready', r));
  const gate = createDurabilityGate(client, { allowVolatile, log });
  await gate.refresh();
  const names = streamNames('vigilo:');
  world.server.services.ingest = createRedisSink(client, {
    names,
    limits: { entries: 100, bytes: 1 << 30 },
    gate,
    log,
  });
  return { server, client, gate, names };
}

const push = () =>
  fetch(`${world.server.url}${AGENT_PATHS.snapshots}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${agent.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      batch_id: uuidv7(),
      agent_version: 't',
      sent_at: new Date().toISOString(),
      snapshots: [makeSnapshot({ hostId, hostname: 'd.internal' })],
      losses: [],
    }),
  });

describe('what a Redis setup promises', () => {
  it('judges the settings: no AOF is volatile, fsync always is durable, WAITAOF from 7.2', () => {
    expect(judgeDurability({ version: '7.0.15', appendonly: false, appendfsync: 'always' }).level).toBe(
      'volatile',
    );
    expect(judgeDurability({ version: '7.0.15', appendonly: true, appendfsync: 'always' })).toMatchObject({
      level: 'durable',
      waitAof: false,
    });
    expect(judgeDurability({ version: '7.0.15', appendonly: true, appendfsync: 'everysec' })).toMatchObject({
      level: 'restart-safe',
      waitAof: false,
    });
    expect(judgeDurability({ version: '7.2.4', appendonly: true, appendfsync: 'everysec' })).toMatchObject({
      level: 'durable',
      waitAof: true,
    });
    expect(versionAtLeast('7.10.0', 7, 2)).toBe(true);
    expect(versionAtLeast('6.2.14', 7, 2)).toBe(false);
  });

  it('reads the version and settings from the Redis itself', async () => {
    const { client } = await receiverOn({ appendonly: true, appendfsync: 'everysec' }, false);
    const persistence = await readPersistence(client);
    expect(persistence).toMatchObject({ appendonly: true, appendfsync: 'everysec' });
    const judged = judgeDurability(persistence);
    // This machine's Redis is 7.0 (no WAITAOF): acknowledged, with a warning about machine crashes.
    expect(judged.level).toBe(versionAtLeast(persistence.version, 7, 2) ? 'durable' : 'restart-safe');
    expect((await push()).status).toBe(200);
  });
});

describe('acknowledgement and Redis persistence', () => {
  it('refuses to acknowledge while Redis has no append-only file, and says why in the log', async () => {
    const { client, names } = await receiverOn({ appendonly: false }, false);
    const res = await push();
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('30');
    expect(await res.json()).toMatchObject({ error: { code: 'backpressure' } });
    expect(await client.exists(names.stream)).toBe(0);
    expect(logged.some((l) => l.level === 50 && /REFUSING to acknowledge/.test(l.msg))).toBe(true);
  });

  it('acknowledges with a loud warning when the operator allows a volatile Redis', async () => {
    const { client, names } = await receiverOn({ appendonly: false }, true);
    expect((await push()).status).toBe(200);
    expect(await client.xlen(names.stream)).toBe(1);
    expect(logged.some((l) => l.level === 40 && /ACKNOWLEDGING ANYWAY/.test(l.msg))).toBe(true);
  });

  it('keeps an acknowledged batch through a Redis crash with appendfsync always, and stores it after', async () => {
    const { server, names, gate } = await receiverOn({ appendonly: true, appendfsync: 'always' }, false);
    expect(gate.current()?.level).toBe('durable');
    const res = await push();
    expect(res.status).toBe(200);
    const [id] = ((await res.json()) as { accepted: string[] }).accepted;
    await server.kill();
    await server.start();
    const after = new Redis(server.url);
    clients.push(after);
    expect(await after.xlen(names.stream)).toBe(1);
    const worker = createStreamWorker({
      redis: after,
      db: world.server.services.db,
      names,
      consumer: 'after-crash',
      clock: () => new Date(),
      log,
      autoStart: false,
    });
    expect(await worker.runOnce()).toBe(1);
    const { rowCount } = await world.server.services.db.owner.query('SELECT 1 FROM snapshots WHERE id = $1', [
      id,
    ]);
    expect(rowCount).toBe(1);
  });

  it('stops acknowledging when the append-only file is switched off under a running receiver', async () => {
    const { client, gate } = await receiverOn({ appendonly: true, appendfsync: 'always' }, false);
    expect((await push()).status).toBe(200);
    await client.config('SET', 'appendonly', 'no');
    await gate.refresh();
    expect((await push()).status).toBe(503);
    await client.config('SET', 'appendonly', 'yes');
    await gate.refresh();
    expect((await push()).status).toBe(200);
  });
});
