import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@vigilo/tests/support/postgres';
import {
  checkServerVersion,
  loadMigrations,
  migrate,
  migrationStatus,
  type Migration,
} from '../src/db/migrate.ts';

let database: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  database = await createTestDatabase('migrate');
  pool = new pg.Pool({ connectionString: database.url, max: 6 });
  pool.on('error', () => {}); // a connection the teardown's forced drop ends is expected
});
afterAll(async () => {
  await pool.end();
  await database.drop();
});

async function withClient<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await fn(client);
  } finally {
    client.release();
  }
}

function fake(version: number, sql: string): Migration {
  return { version, name: `m${version}`, sql, checksum: `sum-${version}-${sql.length}` };
}

describe('migrate', () => {
  it('refuses a PostgreSQL older than 15 in words, and takes 15 and later', () => {
    expect(() => checkServerVersion(140011)).toThrow(
      /the database is PostgreSQL 14; Vigilo needs PostgreSQL 15 or later/,
    );
    expect(() => checkServerVersion(150019)).not.toThrow();
    expect(() => checkServerVersion(180000)).not.toThrow();
  });

  it('loads the repository migrations in order with no gaps', async () => {
    const migrations = await loadMigrations();
    expect(migrations.length).toBeGreaterThan(0);
    migrations.forEach((m, i) => expect(m.version).toBe(i + 1));
  });

  it('refuses a migrations folder with a gap', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'vigilo-mig-'));
    await writeFile(path.join(dir, '0001_a.sql'), 'SELECT 1');
    await writeFile(path.join(dir, '0003_c.sql'), 'SELECT 1');
    await expect(loadMigrations(dir)).rejects.toThrow(/0003_c.sql: expected number 2/);
  });

  it('applies every migration once, is a no-op the second time, and reports current', async () => {
    const migrations = await loadMigrations();
    await withClient((c) => migrate(c, migrations));
    await withClient((c) => migrate(c, migrations));
    const { rows } = await pool.query('SELECT version FROM vigilo_migrations ORDER BY version');
    expect(rows.map((r: { version: number }) => r.version)).toEqual(migrations.map((m) => m.version));
    expect(await withClient((c) => migrationStatus(c, migrations))).toEqual({
      applied: migrations.length,
      latest: migrations.length,
      current: true,
    });
  });

  it('is safe when several servers migrate at once', async () => {
    const db = await createTestDatabase('migrate_race');
    const racers = Array.from({ length: 4 }, () => new pg.Client({ connectionString: db.url }));
    try {
      await Promise.all(racers.map((c) => c.connect()));
      const migrations = [fake(1, 'CREATE TABLE race_a (id int)'), fake(2, 'CREATE TABLE race_b (id int)')];
      await Promise.all(racers.map((c) => migrate(c, migrations)));
      const { rows } = await racers[0]!.query('SELECT count(*)::int AS n FROM vigilo_migrations');
      expect(rows[0].n).toBe(2);
    } finally {
      await Promise.all(racers.map((c) => c.end()));
      await db.drop();
    }
  });

  it('rolls back a failing migration whole and names it', async () => {
    const db = await createTestDatabase('migrate_fail');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const migrations = [
        fake(1, 'CREATE TABLE ok_table (id int)'),
        fake(2, 'CREATE TABLE half (id int); SELECT nope'),
      ];
      await expect(migrate(client, migrations)).rejects.toThrow(
        /Migration 0002_m2 failed: column "nope" does not exist/,
      );
      const half = await client.query("SELECT to_regclass('half') AS t");
      expect(half.rows[0].t).toBeNull();
      const status = await migrationStatus(client, migrations);
      expect(status).toEqual({ applied: 1, latest: 2, current: false });
    } finally {
      await client.end();
      await db.drop();
    }
  });

  it('refuses a database migrated by a newer version, and a changed migration', async () => {
    const db = await createTestDatabase('migrate_newer');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await migrate(client, [fake(1, 'SELECT 1'), fake(2, 'SELECT 2')]);
      await expect(migrate(client, [fake(1, 'SELECT 1')])).rejects.toMatchObject({
        code: 'DATABASE_NEWER',
        message: expect.stringMatching(/migration 2 \(m2\), newer than this Vigilo knows \(up to 1\)/),
      });
      await expect(migrate(client, [fake(1, 'SELECT 11'), fake(2, 'SELECT 2')])).rejects.toThrow(
        /Migration 1 \(m1\) was changed after it was applied/,
      );
    } finally {
      await client.end();
      await db.drop();
    }
  });
});
