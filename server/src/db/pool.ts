import pg from 'pg';
import type { Logger } from 'pino';
import { prepareRuntimeLogin } from './runtime-login.ts';

export { RUNTIME_ROLE } from './runtime-login.ts';

// Postgres bigint (int8) arrives as a string by default; our counts and sequences fit a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

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
 * The pool request handlers use. `url` logs in as the runtime role itself (see
 * prepareRuntimeLogin), so row-level security binds everything sent on it and no statement
 * (RESET ROLE, SET SESSION AUTHORIZATION) can make a session anyone else.
 */
export function createRuntimePool(url: string, max: number, applicationName: string): pg.Pool {
  return createPool(url, max, applicationName);
}

export type Database = {
  /** Owner role: migrations and the explicit system paths (membership lookup, dispatch). */
  owner: pg.Pool;
  /** Runtime role, bound by row-level security: reached only through withWorkspace. */
  app: pg.Pool;
  end(): Promise<void>;
};

/**
 * Both pools of a server process on a migrated database. The owner pool logs in with `ownerUrl`
 * (DATABASE_URL); the request pool with `appUrl` (VIGILO_APP_DATABASE_URL) when given, else as
 * the runtime role with a login prepared from the owner's.
 */
export async function openDatabase(opts: {
  ownerUrl: string;
  appUrl?: string | undefined;
  poolSize: number;
  applicationName: string;
  log: Logger;
}): Promise<Database> {
  const { applicationName, poolSize } = opts;
  const owner = createPool(opts.ownerUrl, Math.max(2, Math.ceil(poolSize / 2)), `${applicationName}:system`);
  let appUrl: string;
  try {
    appUrl = await prepareRuntimeLogin({
      owner,
      ownerUrl: opts.ownerUrl,
      explicitUrl: opts.appUrl,
      log: opts.log,
      applicationName,
    });
  } catch (err) {
    await owner.end();
    throw err;
  }
  const app = createRuntimePool(appUrl, poolSize, applicationName);
  return { owner, app, end: async () => void (await Promise.all([owner.end(), app.end()])) };
}
