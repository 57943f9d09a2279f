import { AGENT_PATHS } from '@vigilo/shared/agent-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent } from '@vigilo/tests/support/agent';
import { apiClient } from '@vigilo/tests/support/client';
import { createWorld, type World } from '@vigilo/tests/support/world';

// "Last seen" marks are written at most once a minute per credential (seen-throttle.ts): a busy
// agent or token must not write, lock and flush a row on every request.
let world: World;
let now = new Date('2026-11-23T10:00:00.000Z');
beforeAll(async () => {
  world = await createWorld({ clock: () => now });
});
afterAll(async () => {
  await world?.close();
});

const at = (seconds: number) => (now = new Date(Date.parse('2026-11-23T10:00:00.000Z') + seconds * 1000));
const one = async <T>(sql: string, args: unknown[]) =>
  (await world.server.services.db.owner.query<{ v: T }>(sql, args)).rows[0]?.v;

describe('last seen / last used marks', () => {
  it('are written for a signed-in user at most once a minute', async () => {
    const seen = () =>
      one<Date>("SELECT last_seen_at AS v FROM users WHERE email = 'viewer@example.test'", []);
    at(0);
    await world.client('viewer').workspace.get.query({ workspace: 'acme' });
    expect((await seen())?.toISOString()).toBe('2026-11-23T10:00:00.000Z');
    at(30);
    await world.client('viewer').workspace.get.query({ workspace: 'acme' });
    expect((await seen())?.toISOString()).toBe('2026-11-23T10:00:00.000Z');
    at(90);
    await world.client('viewer').workspace.get.query({ workspace: 'acme' });
    expect((await seen())?.toISOString()).toBe('2026-11-23T10:01:30.000Z');
  });

  it('are written for an API token at most once a minute', async () => {
    at(200);
    const created = await world
      .client('admin')
      .apiTokens.create.mutate({ workspace: 'acme', name: `t-${Date.now()}`, role: 'viewer' });
    const used = () =>
      one<Date | null>('SELECT last_used_at AS v FROM api_tokens WHERE id = $1', [created.id]);
    const call = () => apiClient(world.server.url, created.token).workspace.get.query({ workspace: 'acme' });
    at(210);
    await call();
    expect((await used())?.toISOString()).toBe('2026-11-23T10:03:30.000Z');
    at(240);
    await call();
    expect((await used())?.toISOString()).toBe('2026-11-23T10:03:30.000Z');
    at(280);
    await call();
    expect((await used())?.toISOString()).toBe('2026-11-23T10:04:40.000Z');
  });

  it('are written for an agent at most once a minute', async () => {
    at(400);
    const agent = await enrollAgent(world);
    const seen = () => one<Date>('SELECT last_seen_at AS v FROM agents WHERE id = $1', [agent.id]);
    const pull = () =>
      fetch(`${world.server.url}${AGENT_PATHS.config}`, {
        headers: { authorization: `Bearer ${agent.token}` },
      }).then((r) => r.status);
    at(410);
    expect(await pull()).toBe(200);
    expect((await seen())?.toISOString()).toBe('2026-11-23T10:06:40.000Z');
    at(430);
    expect(await pull()).toBe(200);
    expect((await seen())?.toISOString()).toBe('2026-11-23T10:06:40.000Z');
    at(480);
    expect(await pull()).toBe(200);
    expect((await seen())?.toISOString()).toBe('2026-11-23T10:08:00.000Z');
  });
});
