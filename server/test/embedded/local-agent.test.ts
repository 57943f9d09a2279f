import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startTestServer, type TestServer } from '@vigilo/tests/support/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalAgent } from '../../src/embedded/local-agent.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { bootstrapFirstRun } from '../../src/platform/bootstrap.ts';

/**
 * Single-machine mode's local agent (the whole start runs under `npm start` in
 * tests/e2e/start.test.ts): the real agent program enrolls into the demo workspace against a real
 * server on first start, and becomes that workspace's default agent, recorded as the start-up.
 */
let server: TestServer;
let home: string;

beforeAll(async () => {
  server = await startTestServer();
  home = await mkdtemp(path.join(os.tmpdir(), 'vigilo-local-agent-'));
  await bootstrapFirstRun(server.services.db.owner, { issuer: 'http://127.0.0.1:1/oidc', home });
}, 60_000);

afterAll(async () => {
  await server?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

describe('the local agent', () => {
  it('is enrolled on first start and made the demo workspace default agent, audited as the start-up', async () => {
    const start = () =>
      startLocalAgent({
        owner: server.services.db.owner,
        serverUrl: server.url,
        home,
        log: createLogger('silent'),
      });
    const agent = await start();
    expect(agent).toBeDefined();
    await agent?.stop();
    const owner = server.services.db.owner;
    const { rows: workspaces } = await owner.query<{ id: string; default_agent_id: string | null }>(
      `SELECT id, default_agent_id FROM workspaces WHERE slug = 'demo'`,
    );
    const { rows: agents } = await owner.query<{ id: string; name: string }>(
      'SELECT a.id, a.name FROM agents a WHERE a.workspace_id = $1',
      [workspaces[0]?.id],
    );
    expect(agents).toEqual([{ id: expect.any(String) as string, name: 'local agent' }]);
    expect(workspaces[0]?.default_agent_id).toBe(agents[0]?.id);
    const audit = () =>
      owner.query<{ actor_type: string; actor_id: string; summary: unknown }>(
        `SELECT actor_type, actor_id, summary::jsonb AS summary FROM audit_events
         WHERE workspace_id = $1 AND action = 'workspace.default_agent_set' ORDER BY seq`,
        [workspaces[0]?.id],
      );
    expect((await audit()).rows).toEqual([
      {
        actor_type: 'system',
        actor_id: 'vigilo-up',
        summary: { before: { defaultAgentId: null }, after: { defaultAgentId: agents[0]?.id } },
      },
    ]);

    // A later start runs the enrolled agent again: no second enrollment, no second default set.
    const again = await start();
    await again?.stop();
    expect((await owner.query('SELECT 1 FROM agents')).rowCount).toBe(1);
    expect((await audit()).rows).toHaveLength(1);
  });
});
