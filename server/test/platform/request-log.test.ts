import { Writable } from 'node:stream';
import { AGENT_PATHS } from '@vigilo/shared/agent-protocol';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { enrollAgent, type TestAgent } from '@vigilo/tests/support/agent';
import { createWorld, type World } from '@vigilo/tests/support/world';

/**
 * The server's request log: one line per request, at debug for the routine traffic (probes,
 * scrapes, agents' config polls and pushes) and at info for the rest, so a day of 50-second
 * polls does not bury what people did. Checked on the real app with a debug-level logger.
 */
type Line = { level: number; msg: string; path?: string; status?: number; requestId?: string };
const DEBUG = 20;
const INFO = 30;

let world: World;
let agent: TestAgent;
let app: FastifyInstance;
let url: string;
const lines: Line[] = [];

beforeAll(async () => {
  world = await createWorld();
  agent = await enrollAgent(world, 'logged');
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Line);
      done();
    },
  });
  app = await buildApp({ ...world.server.services, log: createLogger('debug', sink) });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await app?.close();
  await world?.close();
});

/** The request lines logged for `path` after one request to it. */
async function linesFor(path: string, init?: RequestInit): Promise<Line[]> {
  const res = await fetch(`${url}${path}`, init);
  await res.text();
  // The line is written once the answer has gone: wait for it rather than for a time.
  const bare = path.split('?')[0];
  for (let i = 0; i < 200 && !lines.some((l) => l.msg === 'request' && l.path === bare); i++)
    await new Promise((resolve) => setImmediate(resolve));
  const found = lines.filter((l) => l.msg === 'request' && l.path === bare);
  // Fastify's own two lines per request are off: only ours is written.
  expect(lines.filter((l) => /incoming request|request completed/.test(l.msg))).toEqual([]);
  lines.length = 0;
  return found;
}

describe('request log', () => {
  it('logs probes and agents’ polls at debug, one line each', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const found = await linesFor(path);
      expect(found.map((l) => [l.level, l.status])).toEqual([[DEBUG, expect.any(Number)]]);
    }
    const poll = await linesFor(AGENT_PATHS.config, { headers: { authorization: `Bearer ${agent.token}` } });
    expect(poll.map((l) => [l.level, l.status])).toEqual([[DEBUG, 200]]);
  });

  it('logs what people do at info, one line each without the query string, and failed polls too', async () => {
    const input = encodeURIComponent(JSON.stringify({ json: { workspace: 'acme' } }));
    const call = await linesFor(`/trpc/hosts.list?input=${input}`, {
      headers: { authorization: `Bearer ${world.tokens.viewer}` },
    });
    expect(call).toHaveLength(1);
    expect(call[0]).toMatchObject({ level: INFO, path: '/trpc/hosts.list', status: 200 });
    expect(JSON.stringify(call[0])).not.toContain('acme');
    // No other request line: Fastify's own "incoming request" / "request completed" are off.
    const refused = await linesFor(AGENT_PATHS.config, { headers: { authorization: 'Bearer wrong' } });
    expect(refused.map((l) => [l.level, l.status])).toEqual([[INFO, 401]]);
  });
});
