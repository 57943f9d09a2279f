import type pg from 'pg';
import { ownerInWorkspace } from '@vigilo/tests/support/database';
import { createTestDatabase, type TestDatabase } from '@vigilo/tests/support/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate, type Migration } from '../../src/db/migrate.ts';
import { createPool } from '../../src/db/pool.ts';

/**
 * The migrations that move the change log of host_status and certificates to statement-level
 * triggers (0016, with snapshot bodies in lz4; 0017 compares columns), run on a database holding
 * the previous version's rows:
 * the rows stay, a change to one of them still reaches the log once, an unchanged rewrite does
 * not, and month partitions made afterwards keep the body's compression.
 */
let db: TestDatabase;
let pool: pg.Pool;
let migrations: Migration[];
let version: number;
const seeded: { workspace?: string; hosts?: string[] } = {};

beforeAll(async () => {
  db = await createTestDatabase('ingest_log_mig');
  pool = createPool(db.url, 3, 'migration-test');
  migrations = await loadMigrations();
  version = migrations.find((m) => m.name === 'ingest_change_log')?.version ?? 0;
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
const inWs = <T>(fn: (c: pg.PoolClient) => Promise<T>) => ownerInWorkspace(pool, seeded.workspace!, fn);
const log = () =>
  inWs(
    async (c) =>
      (
        await c.query<{ seq: number; table_name: string; row_id: string }>(
          'SELECT seq::int, table_name, row_id FROM row_changes ORDER BY seq',
        )
      ).rows,
  );

describe('the statement-level change log migration', () => {
  it('upgrades a database holding hosts, statuses and certificates', async () => {
    expect(version).toBeGreaterThan(10);
    await upTo(version - 1);
    const ws = await pool.query<{ id: string }>(
      "INSERT INTO workspaces (slug, name) VALUES ('acme', 'Acme') RETURNING id",
    );
    seeded.workspace = ws.rows[0]!.id;
    await inWs(async (c) => {
      const hosts = await c.query<{ id: string }>(
        `INSERT INTO hosts (workspace_id, hostname, port, interval_s)
         SELECT $1, 'h' || g || '.internal', 443, 300 FROM generate_series(1, 3) g RETURNING id`,
        [seeded.workspace],
      );
      seeded.hosts = hosts.rows.map((r) => r.id);
      await c.query(
        `INSERT INTO host_status (host_id, workspace_id, snapshot_id, scanned_at, reachable, grade, facts)
         SELECT id, workspace_id, gen_random_uuid(), now(), true, 'A', '{}' FROM hosts`,
      );
      await c.query(
        `INSERT INTO certificates (workspace_id, fingerprint, subject, issuer, sans, serial, not_before, not_after,
           key_algorithm, signature_algorithm, first_seen, last_seen)
         VALUES ($1, 'AA', 'CN=a', 'CN=ca', '{}', '01', now(), now() + interval '90 days', 'EC', 'ecdsa', now(), now())`,
        [seeded.workspace],
      );
    });
    const before = await log();
    // This migration and any after it (0017 compares columns instead of JSON).
    await upTo(migrations.length);
    expect(await log()).toEqual(before);
  });

  it('logs a changed row once per row and advances the head once per statement', async () => {
    const before = await log();
    const head = () =>
      inWs(
        async (c) =>
          (await c.query<{ seq: number }>('SELECT change_seq::int AS seq FROM workspace_heads')).rows[0]!.seq,
      );
    const seq = await head();
    // Scan bookkeeping only (columns the log leaves out): nothing to log.
    await inWs((c) =>
      c.query("UPDATE host_status SET scanned_at = now() + interval '1 minute', facts = '{\"x\":1}'"),
    );
    await inWs((c) => c.query("UPDATE certificates SET last_seen = now() + interval '1 day'"));
    expect(await log()).toEqual(before);
    expect(await head()).toBe(seq);
    // A real change of two statuses: two entries with consecutive numbers after the old head.
    await inWs((c) =>
      c.query("UPDATE host_status SET grade = 'C' WHERE host_id = ANY($1)", [seeded.hosts!.slice(0, 2)]),
    );
    const after = await log();
    const added = after.filter((e) => e.seq > seq);
    expect(added.map((e) => e.seq)).toEqual([seq + 1, seq + 2]);
    expect(new Set(added.map((e) => e.row_id))).toEqual(new Set(seeded.hosts!.slice(0, 2)));
    // A deleted status leaves a tombstone.
    await inWs((c) => c.query('DELETE FROM host_status WHERE host_id = $1', [seeded.hosts![2]]));
    const { rows } = await inWs((c) =>
      c.query<{ op: string }>("SELECT op FROM row_changes WHERE table_name = 'host_status' AND row_id = $1", [
        seeded.hosts![2],
      ]),
    );
    expect(rows).toEqual([{ op: 'delete' }]);
  });

  it('keeps snapshot bodies compressed with lz4 where the server has it, in new month partitions too', async () => {
    const lz4 = (
      await pool.query<{ ok: boolean }>(
        "SELECT 'lz4' = ANY (enumvals) AS ok FROM pg_settings WHERE name = 'default_toast_compression'",
      )
    ).rows[0]!.ok;
    await pool.query('SELECT vigilo_ensure_snapshot_partition($1)', ['2031-03-05T00:00:00Z']);
    const { rows } = await pool.query<{ relname: string; c: string }>(
      `SELECT c.relname, a.attcompression::text AS c FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
       WHERE a.attname = 'body' AND c.relname IN ('snapshots', 'snapshots_default', 'snapshots_2031_03') ORDER BY 1`,
    );
    const expected = lz4 ? 'l' : '';
    expect(rows).toEqual([
      { relname: 'snapshots', c: expected },
      { relname: 'snapshots_2031_03', c: expected },
      { relname: 'snapshots_default', c: expected },
    ]);
  });
});
