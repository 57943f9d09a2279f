import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerInWorkspace } from '@vigilo/tests/support/database';
import {
  createOwnedTestDatabase,
  createTestDatabase,
  type TestDatabase,
} from '@vigilo/tests/support/postgres';
import { loadMigrations, migrate } from '../../src/db/migrate.ts';

/**
 * The invitations / host-agent migration on a database holding the data of the one before,
 * including a host that points at another workspace's agent (what hosts.update stored before
 * 4cd45d7): the foreign link is cleared (and the change log tells replicas), the link inside the
 * workspace and every other row stay, and the database refuses a new foreign link by itself.
 * Also with the tables owned by a non-superuser, whom row security binds (FORCE) during the
 * migration too.
 */
describe.each([
  ['the test cluster’s superuser', () => createTestDatabase('invitations-mig')],
  ['a non-superuser', () => createOwnedTestDatabase('invitations-mig')],
])('migration invitations_host_agent, tables owned by %s', (_owner, makeDatabase) => {
  let db: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await makeDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 3 });
    pool.on('error', () => {}); // a connection the teardown's forced drop ends is expected
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  const workspace = async (slug: string) =>
    (
      await pool.query<{ id: string }>('INSERT INTO workspaces (slug, name) VALUES ($1, $1) RETURNING id', [
        slug,
      ])
    ).rows[0]!.id;
  const agent = (ws: string) =>
    ownerInWorkspace(
      pool,
      ws,
      async (c) =>
        (
          await c.query<{ id: string }>(
            'INSERT INTO agents (workspace_id, name, token_hash) VALUES ($1, $2, $3) RETURNING id',
            [ws, 'a', randomBytes(32)],
          )
        ).rows[0]!.id,
    );
  const host = (ws: string, agentId: string) =>
    ownerInWorkspace(
      pool,
      ws,
      async (c) =>
        (
          await c.query<{ id: string }>(
            `INSERT INTO hosts (workspace_id, hostname, port, interval_s, agent_id) VALUES ($1, $2, 443, 3600, $3) RETURNING id`,
            [ws, `h${randomUUID().slice(0, 8)}.internal`, agentId],
          )
        ).rows[0]!.id,
    );
  const agentOf = (ws: string, hostId: string) =>
    ownerInWorkspace(
      pool,
      ws,
      async (c) =>
        (await c.query<{ agent_id: string | null }>('SELECT agent_id FROM hosts WHERE id = $1', [hostId]))
          .rows[0]?.agent_id,
    );

  it('clears links to another workspace’s agent, keeps the rest, and refuses new ones', async () => {
    const migrations = await loadMigrations();
    const mine = migrations.findIndex((m) => m.name === 'invitations_host_agent');
    expect(mine).toBeGreaterThan(0);
    const client = await pool.connect();
    try {
      await migrate(client, migrations.slice(0, mine));
      const [a, b] = [await workspace('a'), await workspace('b')];
      const user = await pool.query<{ id: string }>(
        "INSERT INTO users (issuer, subject, email) VALUES ('https://idp.test', 'ada', 'ada@example.test') RETURNING id",
      );
      await ownerInWorkspace(pool, a, (c) =>
        c.query("INSERT INTO memberships (workspace_id, user_id, role) VALUES ($1, $2, 'owner')", [
          a,
          user.rows[0]!.id,
        ]),
      );
      const [agentA, agentB] = [await agent(a), await agent(b)];
      const own = await host(a, agentA);
      const foreign = await host(a, agentB);
      const theirs = await host(b, agentB);

      await migrate(client, migrations);
      expect(await agentOf(a, own)).toBe(agentA);
      expect(await agentOf(a, foreign)).toBeNull();
      expect(await agentOf(b, theirs)).toBe(agentB);
      const change = await ownerInWorkspace(pool, a, (c) =>
        c.query<{ row: { agent_id: string | null } }>(
          "SELECT row FROM row_changes WHERE table_name = 'hosts' AND row_id = $1",
          [foreign],
        ),
      );
      expect(change.rows[0]?.row.agent_id).toBeNull();
      expect((await pool.query('SELECT 1 FROM memberships')).rowCount).toBe(1);
      expect((await pool.query('SELECT 1 FROM invitations')).rowCount).toBe(0);

      await expect(host(a, agentB)).rejects.toMatchObject({ code: '23503' });
      await expect(
        ownerInWorkspace(pool, a, (c) =>
          c.query('UPDATE hosts SET agent_id = $2 WHERE id = $1', [own, agentB]),
        ),
      ).rejects.toMatchObject({ code: '23503' });
      // Removing an agent still only unassigns its hosts.
      await ownerInWorkspace(pool, a, (c) => c.query('DELETE FROM agents WHERE id = $1', [agentA]));
      expect(await agentOf(a, own)).toBeNull();
    } finally {
      client.release();
    }
  });
});
