import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@vigilo/tests/support/postgres';
import { loadMigrations, migrate } from '../../src/db/migrate.ts';

/**
 * Migration 0008 on a database that already holds snapshots (in a month partition and in the
 * default one): the rows stay, the keys lead with the workspace, and month partitions made
 * afterwards still attach.
 */
let db: TestDatabase;
let pool: pg.Pool;
const [w1, w2] = [randomUUID(), randomUUID()];

const insert = (id: string, workspace: string, at: string) =>
  pool.query(
    `INSERT INTO snapshots (id, scanned_at, workspace_id, host_id, agent_id, reachable, body)
     VALUES ($1, $2, $3, $4, $4, true, '{}')`,
    [id, at, workspace, randomUUID()],
  );
const keyOf = async (table: string) =>
  (
    await pool.query<{ columns: string[] }>(
      `SELECT array_agg(a.attname::text ORDER BY k.ord) AS columns
       FROM pg_constraint c CROSS JOIN unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
       WHERE c.conrelid = $1::regclass AND c.contype = 'p'`,
      [table],
    )
  ).rows[0]?.columns;

beforeAll(async () => {
  db = await createTestDatabase('dedup-migration');
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  pool.on('error', () => {}); // a connection the teardown's forced drop ends is expected
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe('0008: deduplication per workspace', () => {
  it('keeps the rows, keys snapshots and loss reports by workspace, and leaves partitioning working', async () => {
    const migrations = await loadMigrations();
    expect(migrations[7]?.name).toBe('dedup_per_workspace');
    const client = await pool.connect();
    try {
      await migrate(client, migrations.slice(0, 7));
      await client.query('SELECT vigilo_ensure_snapshot_partition($1)', ['2031-05-01T00:00:00Z']);
      const [inPartition, inDefault] = [randomUUID(), randomUUID()];
      await insert(inPartition, w1, '2031-05-10T10:00:00Z');
      await insert(inDefault, w1, '2031-06-10T10:00:00Z');
      // Before: the other workspace cannot store the same id and time.
      await expect(insert(inPartition, w2, '2031-05-10T10:00:00Z')).rejects.toThrow(/duplicate key/);

      await migrate(client, migrations);
      expect(await keyOf('snapshots')).toEqual(['workspace_id', 'id', 'scanned_at']);
      expect(await keyOf('snapshots_2031_05')).toEqual(['workspace_id', 'id', 'scanned_at']);
      expect(await keyOf('agent_losses')).toEqual(['workspace_id', 'id']);

      await insert(inPartition, w2, '2031-05-10T10:00:00Z');
      await expect(insert(inPartition, w1, '2031-05-10T10:00:00Z')).rejects.toThrow(/duplicate key/);
      // The default partition's row moves into its new month partition, which gets the key too.
      await client.query('SELECT vigilo_ensure_snapshot_partition($1)', ['2031-06-01T00:00:00Z']);
      expect(await keyOf('snapshots_2031_06')).toEqual(['workspace_id', 'id', 'scanned_at']);
      const { rows } = await pool.query<{ id: string; workspace_id: string; part: string }>(
        'SELECT id, workspace_id, tableoid::regclass::text AS part FROM snapshots ORDER BY part, workspace_id = $1 DESC',
        [w1],
      );
      expect(rows).toEqual([
        { id: inPartition, workspace_id: w1, part: 'snapshots_2031_05' },
        { id: inPartition, workspace_id: w2, part: 'snapshots_2031_05' },
        { id: inDefault, workspace_id: w1, part: 'snapshots_2031_06' },
      ]);
    } finally {
      client.release();
    }
  });
});
