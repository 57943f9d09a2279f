import type pg from 'pg';
import { createOwnedTestDatabase } from '@vigilo/tests/support/postgres';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { liveStream, wsApi } from '@vigilo/tests/support/ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNTIME_ROLE } from '../../src/db/runtime-login.ts';
import { startDispatcher } from '../../src/events/dispatcher.ts';
import { createLogger } from '../../src/observability/logger.ts';

/** Runs `fn` in a transaction bound to `workspaceId` (none: unbound), then rolls it back. */
async function inWorkspace<T>(client: pg.ClientBase, workspaceId: string | null, fn: () => Promise<T>) {
  await client.query('BEGIN');
  try {
    if (workspaceId) await client.query("SELECT set_config('vigilo.workspace_id', $1, true)", [workspaceId]);
    return await fn();
  } finally {
    await client.query('ROLLBACK');
  }
}

/** Tenant tables whose row security binds even their owner (FORCE), so the system paths too. */
const FORCED_TABLES = ['audit_events', 'events', 'api_tokens', 'channels', 'workspace_heads', 'hosts'];
/** The directory: bound for the runtime role only (the owner resolves membership through it). */
const TENANT_TABLES = [...FORCED_TABLES, 'memberships', 'users', 'workspaces'];

/** The row-level security every connection of `role` must live under, as raw SQL on `client`. */
function tenancyAssertions(get: () => { world: World; client: pg.ClientBase }, tables: string[]) {
  it('sees zero rows of any tenant table when no workspace is set', async () => {
    const { client } = get();
    for (const table of tables) {
      const { rows } = await inWorkspace(client, null, () =>
        client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`),
      );
      expect({ table, n: rows[0]!.n }).toEqual({ table, n: 0 });
    }
  });

  it('with workspace A set, reads only A and cannot update or insert rows of B', async () => {
    const { world, client } = get();
    const a = world.workspace.id;
    const b = world.other.id;
    await inWorkspace(client, a, async () => {
      const audit = await client.query<{ workspace_id: string }>(
        'SELECT DISTINCT workspace_id FROM audit_events',
      );
      expect(audit.rows.map((r) => r.workspace_id)).toEqual([a]);
      const heads = await client.query(
        'UPDATE workspace_heads SET audit_seq = audit_seq WHERE workspace_id = $1',
        [b],
      );
      expect(heads.rowCount).toBe(0);
    });
    await expect(
      inWorkspace(client, a, () =>
        client.query(
          `INSERT INTO channels (workspace_id, name, type, config, event_types) VALUES ($1, 'x', 'webhook', '{}', '{*}')`,
          [b],
        ),
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(
      inWorkspace(client, a, () =>
        client.query(
          `INSERT INTO audit_events (workspace_id, actor_type, actor_id, action, target_type, target_id, summary)
           VALUES ($1, 'system', 'x', 'forged.entry', 't', 'i', '{}')`,
          [b],
        ),
      ),
    ).rejects.toThrow(/row-level security|no workspace head/);
  });
}

describe.each([
  ['the test cluster’s superuser', () => createWorld()],
  ['a non-superuser', async () => createWorld({ database: await createOwnedTestDatabase('tenancy') })],
])('requests, with the tables owned by %s', (_owner, makeWorld) => {
  let world: World;
  let runtime: pg.PoolClient;
  beforeAll(async () => {
    world = await makeWorld();
    // A connection of the pool request handlers use, logged in as the runtime role itself.
    runtime = await world.server.services.db.app.connect();
  });
  afterAll(async () => {
    runtime?.release();
    await world?.close();
  });

  it('run as a login that is not a superuser, has no BYPASSRLS, owns no table and cannot leave', async () => {
    const who = () =>
      runtime.query<{
        session_user: string;
        current_user: string;
        rolsuper: boolean;
        rolbypassrls: boolean;
        owned: number;
      }>(
        `SELECT session_user, current_user, r.rolsuper, r.rolbypassrls,
           (SELECT count(*)::int FROM pg_tables t WHERE t.schemaname = 'public' AND t.tableowner = current_user) AS owned
         FROM pg_roles r WHERE r.rolname = current_user`,
      );
    const expected = {
      session_user: RUNTIME_ROLE,
      current_user: RUNTIME_ROLE,
      rolsuper: false,
      rolbypassrls: false,
      owned: 0,
    };
    expect((await who()).rows[0]).toEqual(expected);
    await runtime.query('RESET ROLE');
    expect((await who()).rows[0]).toEqual(expected);
  });

  tenancyAssertions(() => ({ world, client: runtime }), TENANT_TABLES);

  it('cannot update another workspace’s directory rows', async () => {
    await inWorkspace(runtime, world.workspace.id, async () => {
      expect((await runtime.query('SELECT id FROM workspaces')).rows).toEqual([{ id: world.workspace.id }]);
      const members = await runtime.query('SELECT 1 FROM memberships WHERE workspace_id = $1', [
        world.other.id,
      ]);
      expect(members.rowCount).toBe(0);
      const updated = await runtime.query("UPDATE workspaces SET name = 'pwned' WHERE id = $1", [
        world.other.id,
      ]);
      expect(updated.rowCount).toBe(0);
    });
    const other = await world.server.services.db.owner.query('SELECT name FROM workspaces WHERE id = $1', [
      world.other.id,
    ]);
    expect(other.rows[0].name).toBe('Other');
  });

  it('refuses UPDATE and DELETE on the audit log, even for the owner role', async () => {
    // Bound to a workspace, so an owner under row security has rows to try them on.
    const owner = await world.server.services.db.owner.connect();
    try {
      for (const sql of [
        "UPDATE audit_events SET action = 'x.y'",
        'DELETE FROM audit_events',
        'TRUNCATE audit_events CASCADE',
      ]) {
        await expect(inWorkspace(owner, world.workspace.id, () => owner.query(sql))).rejects.toThrow(
          /append-only/,
        );
      }
    } finally {
      owner.release();
    }
  });

  it('answers a workspace the caller is not a member of exactly like an unknown one', async () => {
    const viewer = world.client('viewer');
    for (const workspace of ['other', 'does-not-exist', world.other.id]) {
      await expect(viewer.workspace.get.query({ workspace })).rejects.toMatchObject({
        data: { code: 'NOT_FOUND' },
      });
    }
  });
});

// A superuser skips FORCE ROW LEVEL SECURITY, so with the test cluster's owner the system paths'
// tenancy rests on their WHERE clauses alone. With an owner that is not one, the database holds it.
describe('system paths, with the tables owned by a non-superuser', () => {
  let world: World;
  let system: pg.PoolClient;
  beforeAll(async () => {
    // Made through the API: first sign-ins, workspaces and memberships all go through the system
    // paths (directory, workspace creation with its audit rows) under this owner.
    world = await createWorld({ database: await createOwnedTestDatabase('tenancy_sys') });
    system = await world.server.services.db.owner.connect();
  });
  afterAll(async () => {
    system?.release();
    await world?.close();
  });

  it('log in as an owner that is neither a superuser nor BYPASSRLS', async () => {
    const { rows } = await system.query<{ rolsuper: boolean; rolbypassrls: boolean }>(
      'SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user',
    );
    expect(rows[0]).toEqual({ rolsuper: false, rolbypassrls: false });
  });

  tenancyAssertions(() => ({ world, client: system }), FORCED_TABLES);

  it('dispatch each workspace’s events inside that workspace only', async () => {
    const dispatcher = startDispatcher({
      owner: world.server.services.db.owner,
      bus: world.server.services.bus,
      log: createLogger('silent'),
      autoStart: false,
    });
    await dispatcher.runOnce(); // the history so far
    const socket = wsApi(world.server.url, world.tokens.viewer!);
    try {
      const stream = liveStream(socket.api, 'acme');
      await stream.started;
      await world.client('owner').workspace.update.mutate({ workspace: 'acme', name: 'Acme Bound' });
      await world.client('outsider').workspace.update.mutate({ workspace: 'other', name: 'Other Bound' });
      await dispatcher.runOnce();
      await expect.poll(() => stream.events.map((e) => e.type)).toEqual(['workspace.updated']);
      expect(stream.events[0]!.workspaceId).toBe(world.workspace.id);
      stream.stop();
    } finally {
      await socket.close();
      await dispatcher.stop();
    }
  });
});
