import pg from 'pg';

// Postgres bigint (int8) arrives as a string by default; our counts and sequences fit a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/** The runtime role requests run as: no BYPASSRLS, owns nothing (created by migration 0002). */
export const RUNTIME_ROLE = 'vigilo_app';

/**
 * Every session runs in UTC: the change log serialises rows with to_jsonb, which writes
 * timestamps in the session's time zone, and desktops compare and sort those strings. An
 * embedded Postgres takes the machine's zone at initdb, so it cannot be left to the server.
 */
const SESSION_OPTIONS = '-c TimeZone=UTC';

/** A connection pool with a name in pg_stat_activity, so operators can tell our sessions apart. */
export function createPool(url: string, max: number, applicationName: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    application_name: applicationName,
    options: SESSION_OPTIONS,
  });
  guard(pool);
  return pool;
}

/**
 * A connection can drop at any time (database restart, shutdown). pg reports it as an 'error'
 * event, on the pool for idle clients and on the client itself for checked-out ones; without a
 * listener either would crash the process. The failing query still rejects with the error, and
 * the pool replaces the client on the next checkout.
 */
function guard(pool: pg.Pool): void {
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
}

/**
 * The pool request handlers use. Each connection starts as the runtime role (a startup option,
 * so there is no moment at which it runs with the owner's rights), and row-level security binds
 * everything sent on it.
 */
export function createRuntimePool(url: string, max: number, applicationName: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    application_name: applicationName,
    options: `-c role=${RUNTIME_ROLE} ${SESSION_OPTIONS}`,
  });
  guard(pool);
  return pool;
}

export type Database = {
  /** Owner role: migrations and the explicit system paths (membership lookup, dispatch). */
  owner: pg.Pool;
  /** Runtime role, bound by row-level security: reached only through withWorkspace. */
  app: pg.Pool;
  end(): Promise<void>;
};

export function createDatabase(url: string, poolSize: number, applicationName: string): Database {
  const owner = createPool(url, Math.max(2, Math.ceil(poolSize / 2)), `${applicationName}:system`);
  const app = createRuntimePool(url, poolSize, applicationName);
  return { owner, app, end: async () => void (await Promise.all([owner.end(), app.end()])) };
}
