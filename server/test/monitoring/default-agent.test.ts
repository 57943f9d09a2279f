import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCredentials } from '../../../agent/src/config/agent-home.ts';
import { withWorkspace } from '../../src/db/tx.ts';
import { chooseAgent } from '../../src/monitoring/agents/default-agent.ts';
import { enrollAgent, type TestAgent } from '@vigilo/tests/support/agent';
import { waitFor } from '@vigilo/tests/support/processes';
import { createWorld, type World } from '@vigilo/tests/support/world';

/**
 * Every host has an agent (issue 14), through the real server: the default agent an admin sets,
 * the only agent when there is no default, the warning when no agent can take a host, moving
 * hosts between agents, revocation handing hosts on, and the version and spool depth a real
 * `vigilo-agent run` process reports with its requests.
 */
const AGENT_BIN = fileURLToPath(new URL('../../../agent/bin/vigilo-agent.js', import.meta.url));
const AGENT_VERSION = (
  JSON.parse(readFileSync(new URL('../../../agent/package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

let world: World;
const ws = { workspace: 'acme' };
beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => {
  await world?.close();
});

const admin = () => world.client('admin');
/** The audit rows of one action, newest first, their summary parsed. */
const auditOf = async (action: string) =>
  (await admin().audit.list.query({ ...ws, filter: { action } })).rows.map((r) => ({
    ...r,
    summary: JSON.parse(String(r.summary)) as unknown,
  }));

describe('the agent of a new host', () => {
  let a: TestAgent;
  let b: TestAgent;

  it('is none, with a warning in the answer, while the workspace has no agent', async () => {
    const added = await world
      .client('member')
      .hosts.add.mutate({ ...ws, hostname: 'before-agents.internal', port: 443 });
    expect(added.agentId).toBeNull();
    expect(added.warning).toMatch(/no agent will scan this host/);
    const imported = await world.client('member').hosts.import.mutate({
      ...ws,
      format: 'csv',
      content: 'imported-1.internal,443\nimported-2.internal,443\n',
    });
    expect(imported).toMatchObject({ added: 2, unassigned: 2 });
  });

  it('is the only agent when there is exactly one and no default', async () => {
    a = await enrollAgent(world, 'agent-a');
    const added = await admin().hosts.add.mutate({ ...ws, hostname: 'only-agent.internal', port: 443 });
    expect(added).toMatchObject({ agentId: a.id, warning: undefined });
    // The same choice on the owner pool (system paths), where every workspace's row is visible.
    const system = { actor: { type: 'system' as const, id: 'test' }, requestId: undefined };
    const onOwner = await withWorkspace(world.server.services.db.owner, world.workspace.id, system, (tx) =>
      chooseAgent(tx),
    );
    expect(onOwner).toEqual({ agentId: a.id, by: 'only_agent' });
  });

  it('is none, with the warning, when two agents and no default could take it', async () => {
    b = await enrollAgent(world, 'agent-b');
    const added = await admin().hosts.add.mutate({ ...ws, hostname: 'two-agents.internal', port: 443 });
    expect(added.agentId).toBeNull();
    expect(added.warning).toMatch(/no default agent/);
  });

  it('is the default agent an admin sets (audited), and only an admin may set it', async () => {
    await expect(
      world.client('member').agents.setDefault.mutate({ ...ws, agentId: b.id }),
    ).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
    expect(await admin().agents.setDefault.mutate({ ...ws, agentId: b.id })).toEqual({
      defaultAgentId: b.id,
    });
    expect((await admin().workspace.get.query(ws)).defaultAgentId).toBe(b.id);
    const [row] = await auditOf('workspace.default_agent_set');
    expect(row).toMatchObject({
      summary: { before: { defaultAgentId: null }, after: { defaultAgentId: b.id } },
    });

    const added = await admin().hosts.add.mutate({ ...ws, hostname: 'defaulted.internal', port: 443 });
    expect(added).toMatchObject({ agentId: b.id, warning: undefined });
    const list = await admin().agents.list.query(ws);
    expect(list.find((x) => x.id === b.id)).toMatchObject({ isDefault: true, hosts: 1 });
    expect(list.find((x) => x.id === a.id)).toMatchObject({ isDefault: false, hosts: 1 });
  });

  it("refuses another workspace's agent or an unknown id as the default, naming agentId", async () => {
    await expect(
      admin().agents.setDefault.mutate({ ...ws, agentId: '00000000-0000-4000-8000-000000000000' }),
    ).rejects.toMatchObject({
      data: {
        code: 'BAD_REQUEST',
        fieldErrors: { agentId: 'no active agent with that id in this workspace' },
      },
    });
    expect((await admin().workspace.get.query(ws)).defaultAgentId).toBe(b.id);
  });
});

describe('moving hosts between agents', () => {
  it('moves named hosts, then every host no agent scans, each audited; unknown hosts move nothing', async () => {
    const [a, b] = (await admin().agents.list.query(ws)).sort((x, y) => x.name.localeCompare(y.name));
    const hosts = await admin().hosts.list.query(ws);
    const defaulted = hosts.find((h) => h.hostname === 'defaulted.internal');
    expect(defaulted?.agentId).toBe(b?.id);

    await expect(
      world.client('member').hosts.move.mutate({ ...ws, hostIds: [defaulted!.id], toAgentId: a!.id }),
    ).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
    await expect(
      admin().hosts.move.mutate({
        ...ws,
        hostIds: [defaulted!.id, '00000000-0000-4000-8000-000000000001'],
        toAgentId: a!.id,
      }),
    ).rejects.toMatchObject({ data: { code: 'BAD_REQUEST', fieldErrors: { hostIds: expect.any(String) } } });
    expect((await admin().hosts.list.query(ws)).find((h) => h.id === defaulted!.id)?.agentId).toBe(b!.id);

    const moved = await admin().hosts.move.mutate({ ...ws, hostIds: [defaulted!.id], toAgentId: a!.id });
    expect(moved).toEqual({ moved: [defaulted!.id] });
    const [row] = await auditOf('host.agent_changed');
    expect(row).toMatchObject({
      targetType: 'host',
      targetId: defaulted!.id,
      summary: { before: { agentId: b!.id }, after: { agentId: a!.id } },
    });

    const waiting = hosts.filter((h) => h.agentId === null).map((h) => h.id);
    expect(waiting.length).toBe(4);
    const adopted = await admin().hosts.move.mutate({ ...ws, fromAgentId: null, toAgentId: b!.id });
    expect(adopted.moved.sort()).toEqual(waiting.sort());
    expect((await admin().hosts.list.query(ws)).every((h) => h.agentId !== null)).toBe(true);
    await expect(admin().hosts.move.mutate({ ...ws, toAgentId: b!.id })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST' },
    });
  });

  it('hands a revoked default agent’s hosts to the agent left, and clears the default', async () => {
    const [a, b] = (await admin().agents.list.query(ws)).sort((x, y) => x.name.localeCompare(y.name));
    const onB = (await admin().hosts.list.query(ws)).filter((h) => h.agentId === b!.id).length;
    expect(onB).toBeGreaterThan(0);
    const revoked = await admin().agents.revoke.mutate({ ...ws, id: b!.id });
    expect(revoked).toEqual({ id: b!.id, hostsMovedTo: a!.id, hosts: onB });
    expect((await admin().workspace.get.query(ws)).defaultAgentId).toBeNull();
    expect((await admin().hosts.list.query(ws)).every((h) => h.agentId === a!.id)).toBe(true);
  });
});

describe('what an agent reports of itself', () => {
  let home: string;
  let agent: ChildProcess | undefined;
  afterAll(async () => {
    if (agent && agent.exitCode === null) {
      agent.kill('SIGTERM');
      await new Promise((r) => agent?.once('exit', r));
    }
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('records the version and spool depth a real vigilo-agent process sends', async () => {
    // Enrolled as version "test"; the real agent then runs with that credential.
    const enrolled = await enrollAgent(world, 'agent-real');
    const before = (await admin().agents.list.query(ws)).find((x) => x.id === enrolled.id);
    expect(before).toMatchObject({ version: 'test', spoolDepth: null });

    home = await mkdtemp(path.join(os.tmpdir(), 'vigilo-agent-version-'));
    await saveCredentials(home, {
      server_url: world.server.url,
      agent_id: enrolled.id,
      workspace_id: world.workspace.id,
      agent_token: enrolled.token,
      enrolled_at: new Date().toISOString(),
    });
    agent = spawn(process.execPath, [AGENT_BIN, 'run', '--home', home, '--spread', '0'], { stdio: 'pipe' });
    let log = '';
    agent.stdout?.on('data', (c: Buffer) => (log += c.toString('utf8')));
    agent.stderr?.on('data', (c: Buffer) => (log += c.toString('utf8')));
    const seen = await waitFor(
      `agents.list to show version ${AGENT_VERSION} (agent log: ${log.slice(-500)})`,
      async () => {
        const row = (await admin().agents.list.query(ws)).find((x) => x.id === enrolled.id);
        return row?.version === AGENT_VERSION ? row : undefined;
      },
      20_000,
    );
    expect(seen.spoolDepth).toBe(0);
    expect(seen.lastSeenAt).toBeInstanceOf(Date);
  });

  it('leaves the hosts of the last live agent unassigned when it is revoked, and says how many', async () => {
    const live = (await admin().agents.list.query(ws)).filter((x) => !x.revokedAt);
    expect(live.map((x) => x.name).sort()).toEqual(['agent-a', 'agent-real']);
    const [a, real] = live.sort((x, y) => x.name.localeCompare(y.name));
    // agent-real has no hosts; agent-a, the one left, would have taken them.
    expect(await admin().agents.revoke.mutate({ ...ws, id: real!.id })).toEqual({
      id: real!.id,
      hostsMovedTo: a!.id,
      hosts: 0,
    });
    const onA = (await admin().hosts.list.query(ws)).length;
    expect(await admin().agents.revoke.mutate({ ...ws, id: a!.id })).toEqual({
      id: a!.id,
      hostsMovedTo: null,
      hosts: onA,
    });
    expect((await admin().hosts.list.query(ws)).every((h) => h.agentId === null)).toBe(true);
    await expect(admin().agents.setDefault.mutate({ ...ws, agentId: a!.id })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST', fieldErrors: { agentId: expect.any(String) } },
    });
  });
});
