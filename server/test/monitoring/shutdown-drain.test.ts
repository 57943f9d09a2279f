import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { AGENT_PATHS } from '@vigilo/shared/agent-protocol';
import { enrollAgent, type TestAgent } from '@vigilo/tests/support/agent';
import { waitFor } from '@vigilo/tests/support/processes';
import { REPO_ROOT } from '@vigilo/tests/support/product';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Stopping `vigilo up` while agents long-poll their config: the server stops taking requests and
 * answers the waiting polls before the database pools end, so no handler queries an ended pool
 * ("Cannot use a pool after calling end on the pool"), and the process exits promptly instead of
 * waiting out a 50-second poll.
 */
const SERVER = path.join(REPO_ROOT, 'server', 'src', 'cli', 'main.ts');

let world: World;
let agent: TestAgent;
let home: string;
let child: ChildProcess | undefined;

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

beforeAll(async () => {
  world = await createWorld();
  agent = await enrollAgent(world, 'long-poller');
  home = await mkdtemp(path.join(os.tmpdir(), 'vigilo-shutdown-'));
});
afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await world?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

describe('vigilo up stopping under long-polls', () => {
  it('answers a held poll 503, drains a poll whose agent left, logs no error and exits 0 at once', async () => {
    const port = await freePort();
    const { DATABASE_URL: _db, REDIS_URL: _redis, ...inherited } = process.env;
    const up = spawn(process.execPath, ['--import', 'tsx', SERVER, 'up'], {
      env: {
        ...inherited,
        DATABASE_URL: world.server.database.url,
        VIGILO_HOME: home,
        VIGILO_LOCAL_AGENT: 'false',
        VIGILO_LOG_LEVEL: 'info',
        VIGILO_PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = up;
    let output = '';
    up.stdout?.on('data', (c: Buffer) => (output += c.toString('utf8')));
    up.stderr?.on('data', (c: Buffer) => (output += c.toString('utf8')));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
      up.once('exit', (code, signal) => r({ code, signal })),
    );
    const url = `http://127.0.0.1:${port}`;
    await waitFor(
      'vigilo up',
      async () => {
        if (up.exitCode !== null) throw new Error(`vigilo up exited: ${output}`);
        return (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined;
      },
      90_000,
    );

    const headers = { authorization: `Bearer ${agent.token}` };
    const first = await fetch(`${url}${AGENT_PATHS.config}`, { headers });
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag') ?? '';
    const poll = (signal?: AbortSignal) =>
      fetch(`${url}${AGENT_PATHS.config}?wait=50`, {
        headers: { ...headers, 'if-none-match': etag },
        ...(signal ? { signal } : {}),
      });
    // One agent waits for its answer; another gives up, leaving its handler asleep in the poll.
    const held = poll();
    const leaving = new AbortController();
    const left = poll(leaving.signal).catch(() => 'aborted');
    await new Promise((r) => setTimeout(r, 700));
    leaving.abort();
    expect(await left).toBe('aborted');

    const stopAt = Date.now();
    up.kill('SIGTERM');
    const answer = await held;
    expect(answer.status).toBe(503);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('backpressure');
    expect(await exited, output).toEqual({ code: 0, signal: null });
    expect(Date.now() - stopAt).toBeLessThan(10_000);
    // Nothing at error level or above (pino: 50 error, 60 fatal), and never the pool's complaint.
    const lines = output.split('\n').filter((l) => l.startsWith('{'));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((l) => (JSON.parse(l) as { level: number }).level >= 50)).toEqual([]);
    expect(output).not.toContain('Cannot use a pool');
  });
});
