import type { WorkspaceRole } from '@vigilo/shared/roles';
import { apiClient } from './client.ts';
import { ownerInWorkspace } from './database.ts';
import { createTestIdentity } from './identity.ts';
import type { TestDatabase } from './postgres.ts';
import { startTestServer, type TestServer } from './server.ts';

export type World = {
  server: TestServer;
  /** Access tokens of users, by name: owner, admin, approver, member, viewer, auditor, expired_auditor, outsider, platform. */
  tokens: Record<string, string>;
  workspace: { id: string; slug: string };
  other: { id: string; slug: string };
  client: (who: string) => ReturnType<typeof apiClient>;
  /** Signs the users' access tokens: mint more users with it (their first call creates them). */
  identity: Awaited<ReturnType<typeof createTestIdentity>>;
  close(): Promise<void>;
};

const ROLES: WorkspaceRole[] = ['admin', 'approver', 'member', 'viewer'];

/**
 * A server with two workspaces and a signed-in user for every role of the first, all made through
 * the real API (users appear on their first authenticated call).
 */
export async function createWorld(
  opts: {
    clock?: () => Date;
    background?: boolean;
    secretKey?: Buffer;
    env?: Record<string, string>;
    /** The server's database, when not a new one owned by the test cluster's superuser. */
    database?: TestDatabase;
  } = {},
): Promise<World> {
  const identity = await createTestIdentity();
  const server = await startTestServer({
    verifyAccessToken: identity.verifyAccessToken,
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.background ? { background: true } : {}),
    ...(opts.secretKey ? { secretKey: opts.secretKey } : {}),
    ...(opts.database ? { database: opts.database } : {}),
  });
  const names = ['owner', ...ROLES, 'auditor', 'expired_auditor', 'outsider', 'platform'];
  const tokens: Record<string, string> = {};
  for (const name of names) {
    tokens[name] = await identity.tokenFor(name, `${name}@example.test`);
    await apiClient(server.url, tokens[name]).workspace.mine.query(); // first sign-in creates the user
  }
  const owner = apiClient(server.url, tokens.owner);
  const workspace = await owner.workspace.create.mutate({ slug: 'acme', name: 'Acme' });
  const other = await apiClient(server.url, tokens.outsider).workspace.create.mutate({
    slug: 'other',
    name: 'Other',
  });
  for (const role of ROLES)
    await owner.members.add.mutate({ workspace: 'acme', email: `${role}@example.test`, role });
  const now = (opts.clock ?? (() => new Date()))();
  await owner.members.add.mutate({
    workspace: 'acme',
    email: 'auditor@example.test',
    role: 'auditor',
    expiresAt: new Date(now.getTime() + 86_400_000),
  });
  await owner.members.add.mutate({
    workspace: 'acme',
    email: 'expired_auditor@example.test',
    role: 'auditor',
    expiresAt: new Date(now.getTime() + 1000),
  });
  // members.add invites: each invitee becomes a member on their next sign-in, as a person would.
  for (const name of [...ROLES, 'auditor', 'expired_auditor'])
    await apiClient(server.url, tokens[name]).workspace.mine.query();
  // Ended by itself: move the grant into the past directly (the API refuses past dates).
  await ownerInWorkspace(server.services.db.owner, workspace.id, (client) =>
    client.query(
      "UPDATE memberships SET expires_at = now() - interval '1 minute' WHERE user_id = (SELECT id FROM users WHERE email = 'expired_auditor@example.test')",
    ),
  );
  await server.services.db.owner.query(
    "UPDATE users SET platform_admin = true WHERE email = 'platform@example.test'",
  );
  return {
    server,
    tokens,
    workspace: { id: workspace.id, slug: 'acme' },
    other: { id: other.id, slug: 'other' },
    client: (who) => apiClient(server.url, tokens[who]),
    identity,
    close: () => server.close(),
  };
}
