import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../tests/support/postgres.ts';
import { createPool, createRuntimePool } from '../src/db/pool.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('timezone');
  // A server whose database (like an embedded one after initdb) defaults to a local zone.
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  await admin.query(`ALTER DATABASE ${db.name} SET TimeZone = 'Europe/Berlin'`);
  await admin.query(
    'DO $$ BEGIN CREATE ROLE vigilo_app NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$',
  );
  await admin.end();
});
afterAll(async () => {
  await db?.drop();
});

describe('session time zone', () => {
  it('is UTC on both pools whatever the database defaults to, so replicated timestamps are UTC', async () => {
    const owner = createPool(db.url, 1, 'tz-test');
    const runtime = createRuntimePool(db.url, 1, 'tz-test');
    try {
      const plain = new pg.Client({ connectionString: db.url });
      plain.on('error', () => {});
      await plain.connect();
      expect(
        (await plain.query<{ tz: string }>("SELECT current_setting('TimeZone') AS tz")).rows[0]?.tz,
      ).toBe('Europe/Berlin');
      await plain.end();
      for (const pool of [owner, runtime]) {
        const { rows } = await pool.query<{ tz: string; json: string }>(
          "SELECT current_setting('TimeZone') AS tz, to_jsonb('2026-06-01T12:00:00Z'::timestamptz)::text AS json",
        );
        expect(rows[0]).toEqual({ tz: 'UTC', json: '"2026-06-01T12:00:00+00:00"' });
      }
    } finally {
      await owner.end();
      await runtime.end();
    }
  });
});
