import type pg from 'pg';
import { ownerInWorkspace } from '@vigilo/tests/support/database';
import { createTestDatabase, type TestDatabase } from '@vigilo/tests/support/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate, type Migration } from '../../src/db/migrate.ts';
import { createPool } from '../../src/db/pool.ts';

/**
 * The migration that replicates SLOs and shift starts (0026), run on a database holding SLOs of
 * two workspaces: each workspace's SLOs enter its own change log once, after what it held, under
 * its head's seq and without the evaluation's columns; from then on an evaluation rewriting those
 * columns logs nothing, an edit does, and a snapshot logs under its SLO and cannot name another
 * workspace's SLO.
 */
let db: TestDatabase;
let pool: pg.Pool;
let migrations: Migration[];
let version: number;
const ws: Record<'acme' | 'other', { id: string; slos: string[] }> = {
  acme: { id: '', slos: [] },
  other: { id: '', slos: [] },
};

beforeAll(async () => {
  db = await createTestDatabase('slo_replication_mig');
  pool = createPool(db.url, 3, 'migration-test');
  migrations = await loadMigrations();
  version = migrations.find((m) => m.name === 'replicated_slos_shift_starts')?.version ?? 0;
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

async function upTo(v: number) {
  const client = await pool.connect();
  try {
    await migrate(client, migrations.slice(0, v));
  } finally {
    client.release();
  }
}
const inWs = <T>(name: keyof typeof ws, fn: (c: pg.PoolClient) => Promise<T>) =>
  ownerInWorkspace(pool, ws[name].id, fn);
const log = (name: keyof typeof ws) =>
  inWs(
    name,
    async (c) =>
      (
        await c.query<{
          seq: number;
          table_name: string;
          row_id: string;
          op: string;
          row: Record<string, unknown>;
        }>(
          'SELECT seq::int, table_name, row_id, op, row FROM row_changes WHERE workspace_id = $1 ORDER BY seq',
          [ws[name].id],
        )
      ).rows,
  );
const head = (name: keyof typeof ws) =>
  inWs(
    name,
    async (c) =>
      (
        await c.query<{ n: number }>(
          'SELECT change_seq::int AS n FROM workspace_heads WHERE workspace_id = $1',
          [ws[name].id],
        )
      ).rows[0]?.n,
  );

async function seed(name: keyof typeof ws, slos: string[]): Promise<void> {
  const made = await pool.query<{ id: string }>(
    'INSERT INTO workspaces (slug, name) VALUES ($1, $1) RETURNING id',
    [name],
  );
  ws[name].id = made.rows[0]!.id;
  await inWs(name, async (c) => {
    const host = await c.query<{ id: string }>(
      "INSERT INTO hosts (workspace_id, hostname, port, interval_s) VALUES ($1, 'db.internal', 443, 300) RETURNING id",
      [ws[name].id],
    );
    for (const slo of slos) {
      const r = await c.query<{ id: string }>(
        `INSERT INTO slos (workspace_id, name, kind, host_id, objective, window_days, good, total, burn_rates, evaluated_at, created_at, updated_at)
         VALUES ($1, $2, 'availability', $3, 99.9, 28, 9, 10, '{"60": 100}', now(), now(), now()) RETURNING id`,
        [ws[name].id, slo, host.rows[0]!.id],
      );
      ws[name].slos.push(r.rows[0]!.id);
    }
  });
}

describe('migration 0026 (replicated SLOs and shift starts)', () => {
  it('puts the SLOs that existed into their own workspace log, and tracks them from then on', async () => {
    expect(version).toBeGreaterThan(0);
    await upTo(version - 1);
    await seed('acme', ['API', 'Web']);
    await seed('other', ['Theirs']);
    const before = await log('acme');
    expect(before.map((r) => r.table_name)).toEqual(['workspaces', 'hosts']);
    await upTo(version);

    const after = await log('acme');
    expect(after.slice(0, before.length)).toEqual(before);
    const added = after.slice(before.length);
    expect(added.map((r) => [r.seq, r.table_name, r.row_id, r.op])).toEqual(
      [...ws.acme.slos].sort().map((id, i) => [before.length + i + 1, 'slos', id, 'upsert']),
    );
    expect(await head('acme')).toBe(after.length);
    // The definition, without what the evaluation rewrites every minute.
    expect(added.find((r) => r.row_id === ws.acme.slos[0])?.row).toMatchObject({
      name: 'API',
      window_days: 28,
    });
    for (const r of added)
      for (const col of ['good', 'total', 'burn_rates', 'evaluated_at'])
        expect(r.row).not.toHaveProperty(col);
    expect((await log('other')).filter((r) => r.table_name === 'slos').map((r) => r.row_id)).toEqual(
      ws.other.slos,
    );

    const [api] = ws.acme.slos;
    const [theirs] = ws.other.slos;
    const lastSeq = after.at(-1)?.seq ?? 0;
    await inWs('acme', async (c) => {
      // An evaluation's rewrite is not a change of what replicates; an edit is.
      await c.query(
        "UPDATE slos SET good = 10, total = 11, burn_rates = '{\"60\": 3}', evaluated_at = now() + interval '1 minute' WHERE id = $1",
        [api],
      );
      expect((await log('acme')).at(-1)?.seq).toBe(lastSeq);
      await c.query("UPDATE slos SET name = 'API edge' WHERE id = $1", [api]);
      await c.query(
        `INSERT INTO slo_status (slo_id, workspace_id, good, total, budget_remaining, burn_rates, firing, evaluated_at)
         VALUES ($1, $2, 10, 11, 0.5, '{"5": 0, "30": 0, "60": 3, "360": 1}', '{}', now())`,
        [api, ws.acme.id],
      );
    });
    // A snapshot naming another workspace's SLO is refused by the key, which names the workspace
    // (a plain key check would see past row security).
    await expect(
      inWs('acme', (c) =>
        c.query(
          `INSERT INTO slo_status (slo_id, workspace_id, good, total, budget_remaining, burn_rates, firing, evaluated_at)
           VALUES ($1, $2, 0, 0, 1, '{}', '{}', now())`,
          [theirs, ws.acme.id],
        ),
      ),
    ).rejects.toThrow(/foreign key constraint/);
    expect(
      (await log('acme')).filter((r) => r.seq > lastSeq).map((r) => [r.table_name, r.row_id, r.op]),
    ).toEqual([
      ['slos', api, 'upsert'],
      ['slo_status', api, 'upsert'],
    ]);

    // Removing the SLO removes its snapshot: both leave tombstones for the replicas.
    await inWs('acme', (c) => c.query('DELETE FROM slos WHERE id = $1', [api]));
    const tail = (await log('acme')).filter((r) => r.row_id === api).map((r) => [r.table_name, r.op]);
    expect(tail.sort()).toEqual([
      ['slo_status', 'delete'],
      ['slos', 'delete'],
    ]);
  });
});
