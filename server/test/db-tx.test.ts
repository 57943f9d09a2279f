import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../tests/support/postgres.ts';
import { createPool } from '../src/db/pool.ts';
import { withOwnerTx, withWorkspace } from '../src/db/tx.ts';

/** server/src/db/tx.ts: the one module that opens transactions, and what it guarantees. */
let db: TestDatabase;
let pool: pg.Pool;
const SYSTEM = { actor: { type: 'system', id: 'test' }, requestId: undefined } as const;
const pid = async (c: { query: pg.Pool['query'] }) =>
  (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
const count = async () => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM t')).rows[0]?.n;

beforeAll(async () => {
  db = await createTestDatabase('tx');
  pool = createPool(db.url, 1, 'tx-test');
  await pool.query('CREATE TABLE t (x int)');
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe('db/tx.ts', () => {
  it('commits what fn wrote and returns its value', async () => {
    await pool.query('TRUNCATE t');
    expect(await withOwnerTx(pool, async (c) => (await c.query('INSERT INTO t VALUES (1)')).rowCount)).toBe(
      1,
    );
    expect(await count()).toBe(1);
  });

  it('rolls everything back when fn throws, rethrows its error, and keeps the healthy connection', async () => {
    await pool.query('TRUNCATE t');
    const before = await pid(pool);
    const boom = new Error('boom');
    await expect(
      withOwnerTx(pool, async (c) => {
        await c.query('INSERT INTO t VALUES (1)');
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await count()).toBe(0);
    // The one pooled connection was rolled back and reused, not dropped.
    expect(await pid(pool)).toBe(before);
  });

  it('drops a broken connection instead of lending it again, and the pool still serves', async () => {
    const before = await pid(pool);
    await expect(
      withOwnerTx(pool, async (c) => {
        await c.query('SELECT pg_terminate_backend(pg_backend_pid())');
      }),
    ).rejects.toThrow();
    expect(pool.totalCount).toBe(0);
    const after = await withOwnerTx(pool, (c) => pid(c));
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
  });

  it('binds a workspace transaction to its workspace, for that transaction only', async () => {
    const id = randomUUID();
    const seen = await withWorkspace(pool, id, SYSTEM, async (tx) => {
      expect(tx.workspaceId).toBe(id);
      return (await tx.query<{ ws: string }>("SELECT current_setting('vigilo.workspace_id', true) AS ws"))
        .rows[0]?.ws;
    });
    expect(seen).toBe(id);
    const after = await pool.query<{ ws: string | null }>(
      "SELECT nullif(current_setting('vigilo.workspace_id', true), '') AS ws",
    );
    expect(after.rows[0]?.ws).toBeNull();
  });
});
