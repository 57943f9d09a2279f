import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalAccount, disableLocalAccount } from '../../src/identity/local-accounts.ts';
import { apiClient, outcome } from '@vigilo/tests/support/client';
import { createTestIdentity, TEST_ISSUER } from '@vigilo/tests/support/identity';
import { startTestServer, type TestServer } from '@vigilo/tests/support/server';
import { wsApi } from '@vigilo/tests/support/ws';

// A credential is checked on every operation, also on a long-lived WebSocket (DESIGN.md §8): tRPC
// builds one context per connection, so a principal kept for the connection outlived revocation,
// expiry and a disabled account (issue 10, findings 2 and 8).

let server: TestServer;
let identity: Awaited<ReturnType<typeof createTestIdentity>>;
let ownerToken: string;

/** A signed-in user (created by their first call) with an access token of `ttlSeconds`. */
async function signIn(subject: string, ttlSeconds = 600): Promise<string> {
  const token = await identity.tokenFor(subject, `${subject}@example.test`, ttlSeconds);
  await apiClient(server.url, token).workspace.mine.query();
  return token;
}

beforeAll(async () => {
  identity = await createTestIdentity();
  // The server's own issuer is the test IdP's, so its subjects may be local accounts (finding 8).
  server = await startTestServer({
    verifyAccessToken: identity.verifyAccessToken,
    env: { VIGILO_OIDC_ISSUER: TEST_ISSUER },
  });
  ownerToken = await signIn('owner');
  await apiClient(server.url, ownerToken).workspace.create.mutate({ slug: 'acme', name: 'Acme' });
  await signIn('admin');
  await apiClient(server.url, ownerToken).members.add.mutate({
    workspace: 'acme',
    email: 'admin@example.test',
    role: 'admin',
  });
});
afterAll(async () => {
  await server?.close();
});

describe('a WebSocket re-checks its credential on every operation', () => {
  it('refuses a revoked API token on the socket it opened, and mints nothing with it', async () => {
    const owner = apiClient(server.url, ownerToken);
    const { id, token } = await owner.apiTokens.create.mutate({
      workspace: 'acme',
      name: 'ci',
      role: 'admin',
    });
    const ws = wsApi(server.url, token);
    try {
      expect(await outcome(() => ws.api.channels.list.query({ workspace: 'acme' }))).toBe('OK');
      await owner.apiTokens.revoke.mutate({ workspace: 'acme', id });
      expect(
        await outcome(() => apiClient(server.url, token).channels.list.query({ workspace: 'acme' })),
      ).toBe('UNAUTHORIZED');
      expect(await outcome(() => ws.api.channels.list.query({ workspace: 'acme' }))).toBe('UNAUTHORIZED');
      expect(
        await outcome(() =>
          ws.api.apiTokens.create.mutate({ workspace: 'acme', name: 'heir', role: 'admin' }),
        ),
      ).toBe('UNAUTHORIZED');
      const { rows } = await server.services.db.owner.query("SELECT 1 FROM api_tokens WHERE name = 'heir'");
      expect(rows).toHaveLength(0);
    } finally {
      await ws.close();
    }
  });

  it('refuses an access token that expired while its socket stayed open', async () => {
    const token = await identity.tokenFor('owner', 'owner@example.test', 2);
    const ws = wsApi(server.url, token);
    try {
      expect(await outcome(() => ws.api.workspace.get.query({ workspace: 'acme' }))).toBe('OK');
      // `exp` is whole seconds: past it for sure after two and a bit.
      await new Promise((r) => setTimeout(r, 2_200));
      expect(await outcome(() => ws.api.workspace.get.query({ workspace: 'acme' }))).toBe('UNAUTHORIZED');
      expect(
        await outcome(() =>
          ws.api.hosts.add.mutate({ workspace: 'acme', hostname: 'late.example.test', port: 443 }),
        ),
      ).toBe('UNAUTHORIZED');
    } finally {
      await ws.close();
    }
  });

  it('sees a membership removed while the socket is open', async () => {
    const token = await signIn('leaver');
    const owner = apiClient(server.url, ownerToken);
    await owner.members.add.mutate({ workspace: 'acme', email: 'leaver@example.test', role: 'member' });
    const ws = wsApi(server.url, token);
    try {
      expect(await outcome(() => ws.api.workspace.get.query({ workspace: 'acme' }))).toBe('OK');
      await owner.members.remove.mutate({ workspace: 'acme', email: 'leaver@example.test' });
      expect(await outcome(() => ws.api.workspace.get.query({ workspace: 'acme' }))).toBe('NOT_FOUND');
    } finally {
      await ws.close();
    }
  });
});

describe('a disabled local account', () => {
  // Cheap hashing: what is tested is the account's state, not the password.
  const cheap = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

  it('is refused on its next request and operation, though its access token has not expired', async () => {
    const account = await createLocalAccount(
      server.services.db.owner,
      { email: 'dora@example.test', name: 'Dora', password: 'a long enough password' },
      cheap,
    );
    const token = await identity.tokenFor(account.id, account.email);
    const http = apiClient(server.url, token);
    expect(await outcome(() => http.workspace.mine.query())).toBe('OK');
    const ws = wsApi(server.url, token);
    try {
      expect(await outcome(() => ws.api.workspace.mine.query())).toBe('OK');
      await disableLocalAccount(server.services.db.owner, account.id);
      expect(await outcome(() => http.workspace.mine.query())).toBe('UNAUTHORIZED');
      expect(await outcome(() => ws.api.workspace.mine.query())).toBe('UNAUTHORIZED');
    } finally {
      await ws.close();
    }
  });

  it('takes the API tokens it created with it', async () => {
    const account = await createLocalAccount(
      server.services.db.owner,
      { email: 'ed@example.test', name: 'Ed', password: 'a long enough password' },
      cheap,
    );
    const userToken = await identity.tokenFor(account.id, account.email);
    await apiClient(server.url, userToken).workspace.mine.query();
    await apiClient(server.url, ownerToken).members.add.mutate({
      workspace: 'acme',
      email: account.email,
      role: 'admin',
    });
    const { token } = await apiClient(server.url, userToken).apiTokens.create.mutate({
      workspace: 'acme',
      name: 'eds',
      role: 'viewer',
    });
    const asToken = apiClient(server.url, token);
    expect(await outcome(() => asToken.workspace.get.query({ workspace: 'acme' }))).toBe('OK');
    await disableLocalAccount(server.services.db.owner, account.id);
    expect(await outcome(() => asToken.workspace.get.query({ workspace: 'acme' }))).toBe('UNAUTHORIZED');
  });
});
