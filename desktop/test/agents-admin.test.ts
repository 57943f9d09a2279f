import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_PATHS } from '@vigilo/shared/agent-protocol';
import { enrollAgent, type TestAgent } from '@vigilo/tests/support/agent';
import { createWorld, type World } from '@vigilo/tests/support/world';
import {
  agentPicker,
  agentsOverview,
  createEnrollmentToken,
  enrollCommand,
  moveHosts,
  revokeAgent,
  setDefaultAgent,
} from '../src/core/agents-admin-online.ts';
import { addHost } from '../src/core/hosts-online.ts';
import { hostList } from '../src/core/replica/inventory.ts';
import { openCore, switchableNetwork, tempDir } from './support/core.ts';

/**
 * Settings › Agents and the add-host form's agent picker, through a real desktop core against a
 * real server: the overview, an enrollment token and its command (used to enroll for real), the
 * default agent, moving hosts, the unassigned flag in the replica's host list, readable field
 * errors, and offline answers in words.
 */
let world: World;
let first: TestAgent;
const now = new Date();
const cleanups: Array<() => unknown> = [];

beforeAll(async () => {
  world = await createWorld();
  first = await enrollAgent(world, 'first');
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await world?.close();
});

function core(who = 'admin', network = switchableNetwork()) {
  const tmp = tempDir();
  const opened = openCore({
    dataDir: tmp.dir,
    serverUrl: world.server.url,
    workspace: 'acme',
    token: world.tokens[who]!,
    clock: () => now,
    fetch: network.fetch,
  });
  cleanups.push(() => tmp.cleanup());
  cleanups.push(() => opened.core.close());
  return { ...opened, network };
}

describe('the agents page through the core', () => {
  it('makes an enrollment token whose command enrolls an agent, then lists it', async () => {
    const { core: c } = core();
    const made = await createEnrollmentToken(c, world.server.url, { name: 'dc2', ttlHours: 2 });
    if (!made.ok) throw new Error(made.message);
    expect(made.command).toBe(`npx vigilo-agent enroll --server ${world.server.url} --token ${made.token}`);
    expect(enrollCommand('https://v.example.test', "it's")).toBe(
      `npx vigilo-agent enroll --server https://v.example.test --token 'it'\\''s'`,
    );
    // The token in the command is the one the server takes.
    const token = /--token (\S+)$/.exec(made.command)?.[1];
    const res = await fetch(`${world.server.url}${AGENT_PATHS.enroll}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, name: 'second', agent_version: '9.9.9', platform: 'linux' }),
    });
    expect(res.status).toBe(201);

    const overview = await agentsOverview(c);
    if (!overview.ok) throw new Error(overview.message);
    expect(overview.agents.map((a) => [a.name, a.version, a.hosts, a.isDefault])).toEqual([
      ['first', 'test', 0, false],
      ['second', '9.9.9', 0, false],
    ]);
    expect(overview.agents[0]?.lastSeenAt).toMatch(/^\d{4}-/);
    expect(overview.defaultAgentId).toBeNull();

    const bad = await createEnrollmentToken(c, world.server.url, { name: ' ', ttlHours: 2 });
    expect(bad).toMatchObject({
      ok: false,
      reason: 'refused',
      fieldErrors: { name: 'name must not be empty' },
    });
  });

  it('sets the default the picker starts on, adds with it, flags a host of no agent, and moves it', async () => {
    const { core: c } = core();
    const overview = await agentsOverview(c);
    if (!overview.ok) throw new Error(overview.message);
    const second = overview.agents.find((a) => a.name === 'second')!;

    // Two agents, no default: the server adds the host with a warning; the replica flags it.
    const orphan = await addHost(c, { hostname: 'orphan.internal', port: 443, tags: [] });
    expect(orphan).toMatchObject({
      ok: true,
      agentId: null,
      warning: expect.stringMatching(/no agent will scan/),
    });
    await c.engine.syncNow();
    expect(hostList(c.db, { text: 'orphan' }, now)).toEqual([
      expect.objectContaining({ hostname: 'orphan.internal', unassigned: true }),
    ]);

    expect(await setDefaultAgent(c, second.id)).toEqual({ ok: true });
    const picker = await agentPicker(c);
    expect(picker).toMatchObject({ ok: true, defaultAgentId: second.id });
    const added = await addHost(c, { hostname: 'picked.internal', port: 8443, tags: [], agentId: first.id });
    expect(added).toMatchObject({ ok: true, agentId: first.id, warning: undefined });
    const defaulted = await addHost(c, { hostname: 'defaulted.internal', port: 443, tags: [] });
    expect(defaulted).toMatchObject({ ok: true, agentId: second.id });

    const moved = await moveHosts(c, { fromAgentId: null, toAgentId: first.id });
    expect(moved).toEqual({ ok: true, moved: 1 });
    await c.engine.syncNow();
    expect(hostList(c.db, { text: 'orphan' }, now)[0]).toMatchObject({ unassigned: false });
    const after = await agentsOverview(c);
    if (!after.ok) throw new Error(after.message);
    expect(after.agents.map((a) => [a.name, a.hosts, a.isDefault])).toEqual([
      ['first', 2, false],
      ['second', 1, true],
    ]);

    const revoked = await revokeAgent(c, second.id);
    expect(revoked).toEqual({ ok: true, hosts: 1, hostsMovedTo: first.id });
  });

  it('shows an invalid hostname as words under the field, not the raw validation issues', async () => {
    const { core: c } = core('member');
    const bad = await addHost(c, { hostname: 'https://bad host', port: 443, tags: [] });
    expect(bad).toMatchObject({
      ok: false,
      reason: 'refused',
      fieldErrors: { hostname: expect.any(String) },
    });
    if (bad.ok) return;
    // The field is named in the words (onlineRefusal), never as the raw issues' JSON.
    expect(bad.message).toMatch(/hostname/);
    expect(bad.message).not.toContain('"code"');
    expect(bad.message).not.toContain('[');
  });

  it('says in words that agents need the server when offline, and that a member may not administer', async () => {
    const { core: c, network } = core();
    network.online = false;
    expect(await agentsOverview(c)).toMatchObject({
      ok: false,
      reason: 'offline',
      message: 'the agents list needs the server, which cannot be reached: try again when online',
    });
    expect(await setDefaultAgent(c, first.id)).toMatchObject({ ok: false, reason: 'offline' });

    const { core: member } = core('member');
    expect(await setDefaultAgent(member, first.id)).toMatchObject({ ok: false, reason: 'refused' });
  });
});
