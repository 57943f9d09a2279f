import { AGENT_PATHS } from '@vigilo/shared/agent-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIAL_FAILURE_POLICY } from '../../src/identity/rate-limit.ts';
import { enrollAgent } from '@vigilo/tests/support/agent';
import { createWorld, type World } from '@vigilo/tests/support/world';

// Failed credential checks are limited per client address (every request here comes from
// 127.0.0.1): past the limit the address gets 429 before any check, valid credential or not,
// until the window moves on (the world's clock is ours to move).
let world: World;
let now = new Date('2026-11-23T12:00:00.000Z');
beforeAll(async () => {
  world = await createWorld({ clock: () => now });
});
afterAll(async () => {
  await world?.close();
});

const trpc = (token: string) =>
  fetch(`${world.server.url}/trpc/workspace.mine`, { headers: { authorization: `Bearer ${token}` } });
const forged = `vgl_${'A'.repeat(60)}`;

describe('failed credential checks per address', () => {
  it('answer 401 up to the limit, then 429 for everyone at that address until the window passes', async () => {
    const agent = await enrollAgent(world);
    for (let i = 0; i < CREDENTIAL_FAILURE_POLICY.limit; i++) {
      expect((await trpc(forged)).status).toBe(401);
    }
    const refused = await trpc(world.tokens.viewer!);
    expect(refused.status).toBe(429);
    expect(await refused.text()).toMatch(/too many failed credential checks from this address/);
    // The agent API shares the limit, and says when to come back.
    const pulled = await fetch(`${world.server.url}${AGENT_PATHS.config}`, {
      headers: { authorization: `Bearer ${agent.token}` },
    });
    expect(pulled.status).toBe(429);
    expect(Number(pulled.headers.get('retry-after'))).toBeGreaterThan(0);

    now = new Date(now.getTime() + CREDENTIAL_FAILURE_POLICY.windowMs + 1000);
    expect((await trpc(world.tokens.viewer!)).status).toBe(200);
    const again = await fetch(`${world.server.url}${AGENT_PATHS.config}`, {
      headers: { authorization: `Bearer ${agent.token}` },
    });
    expect(again.status).toBe(200);
  });

  it('counts failed agent credentials too', async () => {
    now = new Date(now.getTime() + CREDENTIAL_FAILURE_POLICY.windowMs + 1000);
    for (let i = 0; i < CREDENTIAL_FAILURE_POLICY.limit; i++) {
      const res = await fetch(`${world.server.url}${AGENT_PATHS.config}`, {
        headers: { authorization: `Bearer vga_${'B'.repeat(60)}` },
      });
      expect(res.status).toBe(401);
    }
    expect((await trpc(world.tokens.viewer!)).status).toBe(429);
  });
});
