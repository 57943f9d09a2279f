import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../tests/support/postgres.ts';
import { loadMigrations, migrate } from '../../src/db/migrate.ts';

let db: TestDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  db = await createTestDatabase('partitions');
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await migrate(client, await loadMigrations());
  await client.end();
  pool = new pg.Pool({ connectionString: db.url, max: 16 });
  // The drop at teardown (WITH FORCE) may end a connection the pool is still closing: an 'error'
  // event on an idle client, which without a listener is an uncaught exception in the run.
  pool.on('error', () => {});
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe('snapshot month partitions', () => {
  it('are made once when many batches of a new month arrive at the same moment', async () => {
    // Ingest calls this before writing a month it has not seen; at start every request does.
    for (const month of ['2031-05', '2031-06', '2031-07']) {
      const calls = Array.from({ length: 16 }, () =>
        pool.query('SELECT vigilo_ensure_snapshot_partition($1)', [`${month}-01T00:00:00Z`]),
      );
      const outcomes = await Promise.allSettled(calls);
      expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String(o.reason))).toEqual([]);
      const { rows } = await pool.query<{ attached: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           WHERE c.relname = $1 AND i.inhparent = 'snapshots'::regclass) AS attached`,
        [`snapshots_${month.replace('-', '_')}`],
      );
      expect(rows[0]?.attached).toBe(true);
    }
  });
});
