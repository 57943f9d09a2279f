import type pg from 'pg';
import type { World } from '@vigilo/tests/support/world';

/**
 * Reads tenant rows as the database owner inside one workspace. The tenant tables FORCE row
 * security on their owner too, so an unscoped owner query sees nothing (and a count of nothing
 * proves nothing): every check of stored rows goes through here.
 */
export async function scopedQuery<R extends pg.QueryResultRow>(
  world: World,
  sql: string,
  values: unknown[] = [],
  workspaceId = world.workspace.id,
): Promise<R[]> {
  const client = await world.server.services.db.owner.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT set_config('vigilo.workspace_id', $1, true)", [workspaceId]);
    const { rows } = await client.query<R>(sql, values);
    await client.query('COMMIT');
    return rows;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}

/** How many rows `sql` returns in the workspace. */
export async function scopedCount(world: World, sql: string, values: unknown[] = []): Promise<number> {
  return (await scopedQuery(world, sql, values)).length;
}
