import pg from 'pg';

// Postgres bigint (int8) and numeric arrive as strings by default; counts and sequence values we
// use fit in a JS number, and timestamps stay Date objects.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/** A connection pool with a name in pg_stat_activity, so operators can tell our sessions apart. */
export function createPool(url: string, max: number, applicationName: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, application_name: applicationName });
  // An idle client's connection can drop (database restart); without a listener that error would
  // crash the process. The pool replaces the client on the next checkout.
  pool.on('error', () => {});
  return pool;
}
