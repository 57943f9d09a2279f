import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { TEST_DATABASE_URL } from './env.ts';

export type TestDatabase = {
  /** Connection URL of the throw-away database, as the administrative (superuser) role. */
  url: string;
  name: string;
  drop(): Promise<void>;
};

/**
 * Creates an empty database for one test file on the real Postgres. Names carry a prefix and the
 * creating pid, so a crashed run's leftovers are recognisable; `drop` forces out stray sessions.
 */
export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const name = `vigilo_t_${label.replace(/\W/g, '_').slice(0, 20)}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
