import pg from 'pg';
import { loadMigrations, migrate } from '../../server/src/db/migrate.ts';
import { withOwnerTx } from '../../server/src/db/tx.ts';
import { createTestDatabase, type TestDatabase } from './postgres.ts';

/** Applies every repository migration to the database at `url`, as the role the URL names. */
export async function migrateDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await migrate(client, await loadMigrations());
  } finally {
    await client.end();
  }
}

/** A throw-away database with every repository migration applied, and an owner-role pool on it. */
export async function createMigratedDatabase(
  label: string,
): Promise<{ database: TestDatabase; pool: pg.Pool; close(): Promise<void> }> {
  const database = await createTestDatabase(label);
  await migrateDatabase(database.url);
  const pool = new pg.Pool({ connectionString: database.url, max: 5 });
  pool.on('error', () => {}); // a connection the teardown's forced drop ends is expected
  return {
    database,
    pool,
    close: async () => {
      await pool.end();
      await database.drop();
    },
  };
}

/**
 * Runs `fn` as the owner in one transaction bound to `workspaceId`, the way the server's system
 * paths write: an owner that is not a superuser is bound by row-level security too, and the
 * audit and change-log triggers need the workspace. For rows a test writes behind the API.
 */
export function ownerInWorkspace<T>(
  owner: pg.Pool,
  workspaceId: string,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  return withOwnerTx(owner, async (client) => {
    await client.query("SELECT set_config('vigilo.workspace_id', $1, true)", [workspaceId]);
    return fn(client);
  });
}
