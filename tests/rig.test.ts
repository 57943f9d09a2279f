import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from './support/env.ts';
import { createTestDatabase } from './support/postgres.ts';
import { createTestRedis } from './support/redis.ts';

describe('the test rig', () => {
  it('gives each file its own Postgres database and removes it afterwards', async () => {
    const [a, b] = await Promise.all([createTestDatabase('rig'), createTestDatabase('rig')]);
    expect(a.name).not.toBe(b.name);
    const client = new pg.Client({ connectionString: a.url });
    await client.connect();
    const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
    expect(rows[0]?.db).toBe(a.name);
    await client.end();
    await Promise.all([a.drop(), b.drop()]);
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    const left = await admin.query('SELECT 1 FROM pg_database WHERE datname = ANY($1)', [[a.name, b.name]]);
    await admin.end();
    expect(left.rowCount).toBe(0);
  });

  it('gives each file its own Redis key prefix and removes its keys afterwards', async () => {
    const redis = await createTestRedis('rig');
    await redis.client.set(`${redis.prefix}k1`, 'v');
    await redis.client.xadd(`${redis.prefix}stream`, '*', 'f', 'v');
    const observer = await createTestRedis('rig-observer');
    try {
      expect(await observer.client.exists(`${redis.prefix}k1`)).toBe(1);
      await redis.cleanup();
      expect(await observer.client.exists(`${redis.prefix}k1`, `${redis.prefix}stream`)).toBe(0);
    } finally {
      await observer.cleanup();
    }
  });
});
