import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { TEST_DATABASE_URL } from './env.ts';

export type TestDatabase = {
  /** Connection URL of the throw-away database, as its owner (the cluster superuser, unless made by createOwnedTestDatabase). */
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

/**
 * Like {@link createTestDatabase}, but owned by a role of its own that is not a superuser and has
 * no BYPASSRLS, the way a managed Postgres hands out its "admin" login: FORCE ROW LEVEL SECURITY
 * then binds the owner too (a superuser skips it). The URL logs in as that role; CREATEROLE lets
 * the migrations make and grant the runtime role, as they do for an operator's owner. `drop`
 * removes the database and then the role.
 */
export async function createOwnedTestDatabase(label = 'owned'): Promise<TestDatabase & { role: string }> {
  const role = `vigilo_t_owner_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOBYPASSRLS CREATEROLE`);
  } finally {
    await admin.end();
  }
  const database = await createTestDatabase(label);
  const asAdmin = new pg.Client({ connectionString: database.url });
  await asAdmin.connect();
  try {
    await asAdmin.query(`ALTER DATABASE ${database.name} OWNER TO ${role}`);
  } finally {
    await asAdmin.end();
  }
  const url = new URL(database.url);
  url.username = role;
  return {
    url: url.toString(),
    name: database.name,
    role,
    drop: async () => {
      await database.drop();
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      try {
        await client.query(`DROP ROLE IF EXISTS ${role}`);
      } finally {
        await client.end();
      }
    },
  };
}
