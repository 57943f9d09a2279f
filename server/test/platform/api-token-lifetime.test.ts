import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, outcome } from '@vigilo/tests/support/client';
import { createWorld, type World } from '@vigilo/tests/support/world';

// "A token never carries more than its creator has now" (DESIGN.md §8): an API token's effective
// role is the lower of its own and its creator's current role, and it dies with the creator's
// access (issue 10, finding 4).

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => {
  await world?.close();
});

const acme = { workspace: 'acme' };

/** Makes `who` an admin of acme and returns an admin API token they create. */
async function adminTokenOf(who: string): Promise<{ id: string; token: string }> {
  await world
    .client('owner')
    .members.setRole.mutate({ ...acme, email: `${who}@example.test`, role: 'admin' });
  return world.client(who).apiTokens.create.mutate({ ...acme, name: `${who}'s token`, role: 'admin' });
}

describe('API tokens follow their creator', () => {
  it("act with no more than the creator's current role: a demoted admin's token cannot list channels", async () => {
    const { token } = await adminTokenOf('approver');
    const asToken = apiClient(world.server.url, token);
    expect(await outcome(() => asToken.channels.list.query(acme))).toBe('OK');

    await world
      .client('owner')
      .members.setRole.mutate({ ...acme, email: 'approver@example.test', role: 'viewer' });
    expect(await outcome(() => asToken.channels.list.query(acme))).toBe('FORBIDDEN');
    expect(await outcome(() => asToken.hosts.list.query(acme))).toBe('OK'); // still a viewer's reads

    // The bound follows the creator both ways, never above the token's own role.
    await world
      .client('owner')
      .members.setRole.mutate({ ...acme, email: 'approver@example.test', role: 'owner' });
    expect(await outcome(() => asToken.channels.list.query(acme))).toBe('OK');
    expect(
      await outcome(() =>
        asToken.members.setRole.mutate({ ...acme, email: 'member@example.test', role: 'owner' }),
      ),
    ).toBe('FORBIDDEN');
  });

  it("stop working once the creator is removed: a removed admin's token cannot mint tokens", async () => {
    const { token } = await adminTokenOf('member');
    const asToken = apiClient(world.server.url, token);
    expect(await outcome(() => asToken.workspace.get.query(acme))).toBe('OK');

    await world.client('owner').members.remove.mutate({ ...acme, email: 'member@example.test' });
    expect(
      await outcome(() => asToken.apiTokens.create.mutate({ ...acme, name: 'heir', role: 'viewer' })),
    ).toBe('UNAUTHORIZED');
    expect(await outcome(() => asToken.workspace.get.query(acme))).toBe('UNAUTHORIZED');
  });

  it('cannot create tokens: only a signed-in user can, so every token has a user behind it', async () => {
    const { token } = await world
      .client('admin')
      .apiTokens.create.mutate({ ...acme, name: 'ci', role: 'admin' });
    const asToken = apiClient(world.server.url, token);
    expect(
      await outcome(() => asToken.apiTokens.create.mutate({ ...acme, name: 'child', role: 'admin' })),
    ).toBe('FORBIDDEN');
    expect(
      await outcome(() => asToken.apiTokens.create.mutate({ ...acme, name: 'child', role: 'viewer' })),
    ).toBe('FORBIDDEN');
    const { rows } = await world.server.services.db.owner.query(
      "SELECT 1 FROM api_tokens WHERE name = 'child'",
    );
    expect(rows).toHaveLength(0);
  });

  it('with no creator on record (minted by a token before), do not work', async () => {
    const { id, token } = await world.client('admin').apiTokens.create.mutate({
      ...acme,
      name: 'orphan',
      role: 'admin',
    });
    const asToken = apiClient(world.server.url, token);
    expect(await outcome(() => asToken.channels.list.query(acme))).toBe('OK');
    // What a token-minted token looked like: created_by NULL, outliving the token that made it.
    await world.server.services.db.owner.query('UPDATE api_tokens SET created_by = NULL WHERE id = $1', [id]);
    expect(await outcome(() => asToken.channels.list.query(acme))).toBe('UNAUTHORIZED');
  });

  it("whose own role is lower keep it: an admin's viewer token stays a viewer", async () => {
    const { token } = await world
      .client('admin')
      .apiTokens.create.mutate({ ...acme, name: 'ro', role: 'viewer' });
    const asToken = apiClient(world.server.url, token);
    expect(await outcome(() => asToken.hosts.list.query(acme))).toBe('OK');
    expect(await outcome(() => asToken.channels.list.query(acme))).toBe('FORBIDDEN');
  });
});
