import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { AGENT_PATHS } from '@vigilo/shared/agent-protocol';
import { TEST_REDIS_URL } from '@vigilo/tests/support/env';
import { waitFor } from '@vigilo/tests/support/processes';
import { REPO_ROOT } from '@vigilo/tests/support/product';
import { createTestRedis, type TestRedis } from '@vigilo/tests/support/redis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AGENT_BODY_LIMITS, inflateBounded } from '../../src/http/agent-body.ts';
import { enrollAgent } from '@vigilo/tests/support/agent';
import { makeSnapshot, uuidv7 } from '@vigilo/tests/support/snapshots';
import { createWorld, type World } from '@vigilo/tests/support/world';

/**
 * Push bodies are decompressed by the server, so a small gzip can claim gigabytes. These run the
 * agent API in server processes of their own (single-machine ingest, and a scaled receiver in
 * front of a Redis stream), because the bug they guard against is the process exiting: each
 * attack is followed by proof that the same process still answers.
 */
const SERVER = path.join(REPO_ROOT, 'server', 'src', 'cli', 'main.ts');

/** The gzip of 9,000,000 spaces: 8.6 KB on the wire. */
const BOMB = gzipSync(Buffer.alloc(9_000_000, ' '), { level: 9 });
/** 23 gzip members back to back (valid gzip): ~199 KB on the wire, ~207 MB inflated. */
const BIG_BOMB = Buffer.concat(Array.from({ length: 23 }, () => BOMB));

let world: World;
let redis: TestRedis;
let home: string;
let token: string;
let hostId: string;
const children: ChildProcess[] = [];

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Starts `vigilo up` with only the ingest role on the world's database; resolves its URL. */
async function startReceiver(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const { DATABASE_URL: _db, REDIS_URL: _redis, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER, 'up'], {
    env: {
      ...inherited,
      DATABASE_URL: world.server.database.url,
      VIGILO_HOME: home,
      VIGILO_LOCAL_AGENT: 'false',
      VIGILO_LOG_LEVEL: 'silent',
      VIGILO_ROLES: 'ingest',
      VIGILO_PORT: String(port),
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    'the receiver process',
    async () => {
      if (child.exitCode !== null) throw new Error(`the receiver exited: ${stderr}`);
      return (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined;
    },
    90_000,
  );
  return { url, child };
}

/** One raw request; a connection the server cut answers status 0 instead of throwing. */
function send(
  url: string,
  body: Buffer,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = http.request(
      `${url}${AGENT_PATHS.snapshots}`,
      { method: 'POST', headers: { 'content-length': String(body.length), ...headers }, agent: false },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(body);
  });
}

const gzipJson = { 'content-type': 'application/json', 'content-encoding': 'gzip' };
const goodBatch = () =>
  gzipSync(
    JSON.stringify({
      batch_id: uuidv7(),
      agent_version: 'test',
      sent_at: new Date().toISOString(),
      snapshots: [makeSnapshot({ hostId, hostname: 'bomb.internal' })],
    }),
  );

beforeAll(async () => {
  world = await createWorld();
  redis = await createTestRedis('agent-body');
  home = await mkdtemp(path.join(os.tmpdir(), 'vigilo-agent-body-'));
  const agent = await enrollAgent(world, 'bomb-target');
  token = agent.token;
  ({ id: hostId } = await world.client('admin').hosts.add.mutate({
    workspace: 'acme',
    hostname: 'bomb.internal',
    port: 443,
    agentId: agent.id,
  }));
});
afterAll(async () => {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(
    children.map(
      (c) => new Promise((r) => (c.exitCode === null && c.signalCode === null ? c.once('exit', r) : r(null))),
    ),
  );
  await world?.close();
  await redis?.cleanup();
  if (home) await rm(home, { recursive: true, force: true });
});

/** Inflates `body` as the agent API does; what came out, and how it ended. */
async function inflate(body: Buffer): Promise<{ bytes: Buffer; error: unknown }> {
  const chunks: Buffer[] = [];
  const out = inflateBounded(Readable.from([body]));
  const error = await new Promise<unknown>((resolve) => {
    out.on('data', (c: Buffer) => chunks.push(c));
    out.on('error', resolve);
    out.on('end', () => resolve(undefined));
  });
  return { bytes: Buffer.concat(chunks), error };
}

describe('bounded inflation', () => {
  it('stops a bomb by its ratio after about a megabyte, long before the size limit', async () => {
    const { bytes, error } = await inflate(BIG_BOMB);
    expect(error).toMatchObject({ statusCode: 413, code: 'batch_too_large' });
    expect(bytes.length).toBeLessThanOrEqual(AGENT_BODY_LIMITS.ratioFloorBytes);
  });

  it('passes a full batch of real snapshots untouched', async () => {
    const json = JSON.stringify({
      snapshots: Array.from({ length: 500 }, () => makeSnapshot({ hostId: uuidv7() })),
    });
    const { bytes, error } = await inflate(gzipSync(json));
    expect(error).toBeUndefined();
    expect(bytes.toString('utf8')).toBe(json);
  });
});

function bodyAttacks(mode: 'single-machine ingest' | 'scaled receiver', env: () => Record<string, string>) {
  describe(mode, () => {
    let url: string;
    let child: ChildProcess | undefined;
    // A fresh process when the previous attack killed it, so each attack is judged on its own.
    beforeEach(async () => {
      const healthy = url && (await fetch(`${url}/healthz`).catch(() => undefined))?.status === 200;
      if (healthy) return;
      if (child && child.exitCode === null && child.signalCode === null) {
        const dying = child;
        await new Promise((r) => {
          dying.once('exit', r);
          setTimeout(() => (dying.kill('SIGKILL'), r(null)), 5000);
        });
      }
      ({ url, child } = await startReceiver(env()));
    });

    /** The process has not exited and answers a request after the attack. */
    const stillServing = async () => {
      expect(child?.exitCode, 'the server process exited').toBeNull();
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      // A little later too: the crash came from an error emitted after the answer.
      await new Promise((r) => setTimeout(r, 300));
      expect(child?.exitCode, 'the server process exited').toBeNull();
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    };

    it('refuses an unauthenticated gzip bomb without reading it, and keeps serving', async () => {
      const res = await send(url, BOMB, gzipJson);
      // The credential is checked before the body is read: the stranger learns nothing else.
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'unauthorized' } });
      await stillServing();
    });

    it('answers 413 to a 199 KB bomb from an enrolled agent, and keeps serving', async () => {
      expect(BIG_BOMB.length).toBeLessThan(200 * 1024);
      const res = await send(url, BIG_BOMB, { ...gzipJson, authorization: `Bearer ${token}` });
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'batch_too_large' } });
      await stillServing();
      // The agent's next, ordinary push goes through.
      const good = await send(url, goodBatch(), { ...gzipJson, authorization: `Bearer ${token}` });
      expect(good.status).toBe(200);
    });

    it('answers 400 to truncated and to corrupt gzip, and keeps serving', async () => {
      const whole = goodBatch();
      const truncated = whole.subarray(0, Math.floor(whole.length / 2));
      const corrupt = Buffer.from(whole);
      corrupt.fill(0x41, 12, 40);
      for (const body of [truncated, corrupt, Buffer.from('not gzip at all')]) {
        const res = await send(url, body, { ...gzipJson, authorization: `Bearer ${token}` });
        expect(res.status).toBe(400);
        const error = (JSON.parse(res.body) as { error: { code: string; message: string } }).error;
        expect(error.code).toBe('invalid_request');
        expect(error.message).not.toMatch(/\/|Z_|zlib|at /);
        await stillServing();
      }
    });

    it('keeps serving when an agent hangs up halfway through a gzip body', async () => {
      const port = Number(new URL(url).port);
      await new Promise<void>((resolve) => {
        const req = http.request(`${url}${AGENT_PATHS.snapshots}`, {
          method: 'POST',
          port,
          headers: {
            ...gzipJson,
            authorization: `Bearer ${token}`,
            'content-length': String(BIG_BOMB.length),
          },
          agent: false,
        });
        req.on('error', () => resolve());
        req.write(BIG_BOMB.subarray(0, 50_000), () => setTimeout(() => (req.destroy(), resolve()), 100));
      });
      await stillServing();
    });
  });
}

bodyAttacks('single-machine ingest', () => ({}));
bodyAttacks('scaled receiver', () => ({
  REDIS_URL: TEST_REDIS_URL,
  VIGILO_REDIS_PREFIX: redis.prefix,
  // The shared test Redis keeps nothing on disk; a receiver refuses to acknowledge into it unless told.
  VIGILO_INGEST_ALLOW_VOLATILE_REDIS: 'true',
}));
