import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNTIME_ROLE } from '../../src/db/pool.ts';
import { createWorld, type World } from '@vigilo/tests/support/world';

let world: World;
let runtime: pg.Client;
beforeAll(async () => {
  world = await createWorld();
  // Raw SQL as the runtime role, exactly what request handlers run as.
  runtime = new pg.Client({
    connectionString: world.server.database.url,
    options: `-c role=${RUNTIME_ROLE}`,
  });
  await runtime.connect();
});
afterAll(async () => {
  await runtime?.end();
  await world?.close();
});

async function inWorkspace<T>(workspaceId: string | null, fn: () => Promise<T>): Promise<T> {
  await runtime.query('BEGIN');
  try {
    if (workspaceId) await runtime.query("SELECT set_config('vigilo.workspace_id', $1, true)", [workspaceId]);
    return await fn();
  } finally {
    await runtime.query('ROLLBACK');
  }
}

const TENANT_TABLES = [
  'memberships',
  'audit_events',
  'events',
  'api_tokens',
  'channels',
  'workspace_heads',
  'users',
  'workspaces',
];

describe('row-level security for the runtime role', () => {
  it('runs as a role that is not a superuser, has no BYPASSRLS and owns no table', async () => {
    const { rows } = await runtime.query<{ rolsuper: boolean; rolbypassrls: boolean; owned: number }>(
      `SELECT r.rolsuper, r.rolbypassrls,
         (SELECT count(*)::int FROM pg_tables t WHERE t.schemaname = 'public' AND t.tableowner = current_user) AS owned
       FROM pg_roles r WHERE r.rolname = current_user`,
    );
    expect(rows[0]).toEqual({ rolsuper: false, rolbypassrls: false, owned: 0 });
  });

  it('sees zero rows of any tenant table when no workspace is set', async () => {
    for (const table of TENANT_TABLES) {
      const { rows } = await inWorkspace(null, () =>
        runtime.query(`SELECT count(*)::int AS n FROM ${table}`),
      );
      expect({ table, n: rows[0].n }).toEqual({ table, n: 0 });
    }
  });

  it('with workspace A set, reads only A and cannot read, update or insert rows of B', async () => {
    const a = world.workspace.id;
    const b = world.other.id;
    await inWorkspace(a, async () => {
      const ws = await runtime.query('SELECT id FROM workspaces');
      expect(ws.rows.map((r: { id: string }) => r.id)).toEqual([a]);
      const audit = await runtime.query('SELECT DISTINCT workspace_id FROM audit_events');
      expect(audit.rows.map((r: { workspace_id: string }) => r.workspace_id)).toEqual([a]);
      expect((await runtime.query('SELECT * FROM memberships WHERE workspace_id = $1', [b])).rowCount).toBe(
        0,
      );
      const updated = await runtime.query("UPDATE workspaces SET name = 'pwned' WHERE id = $1", [b]);
      expect(updated.rowCount).toBe(0);
    });
    await expect(
      inWorkspace(a, () =>
        runtime.query(
          `INSERT INTO channels (workspace_id, name, type, config, event_types) VALUES ($1, 'x', 'webhook', '{}', '{*}')`,
          [b],
        ),
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(
      inWorkspace(a, () =>
        runtime.query(
          `INSERT INTO audit_events (workspace_id, actor_type, actor_id, action, target_type, target_id, summary)
           VALUES ($1, 'system', 'x', 'forged.entry', 't', 'i', '{}')`,
          [b],
        ),
      ),
    ).rejects.toThrow(/row-level security|no workspace head/);
    const other = await world.server.services.db.owner.query('SELECT name FROM workspaces WHERE id = $1', [
      b,
    ]);
    expect(other.rows[0].name).toBe('Other');
  });

  it('refuses UPDATE and DELETE on the audit log, even for the owner role', async () => {
    await expect(
      world.server.services.db.owner.query("UPDATE audit_events SET action = 'x.y'"),
    ).rejects.toThrow(/append-only/);
    await expect(world.server.services.db.owner.query('DELETE FROM audit_events')).rejects.toThrow(
      /append-only/,
    );
    await expect(world.server.services.db.owner.query('TRUNCATE audit_events CASCADE')).rejects.toThrow(
      /append-only/,
    );
  });

  it('answers a workspace the caller is not a member of exactly like an unknown one', async () => {
    const viewer = world.client('viewer');
    await expect(viewer.workspace.get.query({ workspace: 'other' })).rejects.toMatchObject({
      data: { code: 'NOT_FOUND' },
    });
    await expect(viewer.workspace.get.query({ workspace: 'does-not-exist' })).rejects.toMatchObject({
      data: { code: 'NOT_FOUND' },
    });
    await expect(viewer.workspace.get.query({ workspace: world.other.id })).rejects.toMatchObject({
      data: { code: 'NOT_FOUND' },
    });
  });
});
