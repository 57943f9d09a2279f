import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Logger } from 'pino';
import { VigiloError } from '../errors.ts';

/** The runtime role requests run as: no BYPASSRLS, owns nothing (created by migration 0002). */
export const RUNTIME_ROLE = 'vigilo_app';

/** The variable that names a login for the request pool instead of the generated one. */
export const APP_DATABASE_URL_ENV = 'VIGILO_APP_DATABASE_URL';

/**
 * Returns the URL the request pool logs in with, having made sure it works and is confined.
 *
 * Why a login of its own: a session that logged in as the owner and only SET ROLE to the runtime
 * role can leave it with `RESET ROLE` (or `SET ROLE NONE`, or `SET SESSION AUTHORIZATION` for a
 * superuser owner), and then row-level security no longer binds it. A session that logged in as
 * `vigilo_app` has nowhere to go: it is a member of no other role and not a superuser.
 *
 * - `explicitUrl` (VIGILO_APP_DATABASE_URL) is used as it is; Vigilo changes no role for it.
 * - Otherwise the URL is DATABASE_URL with the user `vigilo_app` and a password derived from the
 *   owner's (HMAC-SHA256, so it reveals nothing about the owner's). The role is made able to log
 *   in with it only when it cannot already.
 *
 * Why derived and not generated and stored: roles belong to the cluster, not to a database. Test
 * files each make a database on one cluster, and two deployments may share one; a password
 * stored per database would be replaced by every database that could not read it, locking out
 * the others' running servers. Every Vigilo database of a cluster with the same owner derives the
 * same password, so concurrent starts (scaled processes, parallel tests) set the same value and
 * a lost race is harmless; nothing secret is stored anywhere. That is also why no advisory lock
 * guards the ALTER ROLE: those locks are per database while the role is not, and a collision
 * ("tuple concurrently updated") only means another process set the same value first. Changing
 * the owner's password changes the derived one: the first process started with the new URL sets
 * it, and processes still running with the old URL cannot open new request connections until
 * they are restarted (as they could not open new owner ones). When the owner authenticates
 * without a password in DATABASE_URL or PGPASSWORD (trust, peer, certificates, a pgpass file)
 * there is nothing to derive from: the role is only allowed to log in, keeping whatever password
 * it has, and if the cluster then asks for one, the start stops and names VIGILO_APP_DATABASE_URL.
 * Deployments sharing a cluster with different owners need VIGILO_APP_DATABASE_URL as well.
 * The password is sent to Postgres as a SCRAM verifier, so it is not in its statement log.
 */
export async function prepareRuntimeLogin(opts: {
  owner: pg.Pool;
  ownerUrl: string;
  explicitUrl?: string | undefined;
  log: Logger;
  applicationName: string;
}): Promise<string> {
  if (opts.explicitUrl) {
    const failure = await tryLogin(opts.explicitUrl, opts.applicationName);
    if (failure) throw loginFailed(`${APP_DATABASE_URL_ENV} cannot log in`, failure);
    return opts.explicitUrl;
  }
  const password = derivePassword(opts.ownerUrl);
  const url = derivedRuntimeUrl(opts.ownerUrl);
  let failure = await tryLogin(url, opts.applicationName);
  let alterError: unknown;
  for (let attempt = 0; failure && attempt < 4; attempt++) {
    if (!isLoginRefused(failure)) break;
    try {
      await allowLogin(opts.owner, password);
      opts.log.info({ role: RUNTIME_ROLE }, 'the runtime role may now log in (the request pool uses it)');
    } catch (err) {
      // Another process (of this database or another on the cluster) changed the role at the same
      // moment ("tuple concurrently updated"); it set the same password. Or we may not change it.
      alterError = err;
    }
    failure = await tryLogin(url, opts.applicationName);
    // A short random pause, so processes that collided do not collide again.
    if (failure) await sleep(50 + Math.floor(Math.random() * 200));
  }
  if (failure) {
    const hint =
      alterError instanceof Error
        ? ` (changing the role failed: ${alterError.message})`
        : password === undefined && isLoginRefused(failure)
          ? ' (DATABASE_URL carries no password to derive one from)'
          : '';
    throw loginFailed(`The runtime role ${RUNTIME_ROLE} cannot log in${hint}`, failure);
  }
  return url;
}

/** Why a login failed, or undefined when it worked and the session is confined. */
async function tryLogin(url: string, applicationName: string): Promise<unknown> {
  const client = new pg.Client({
    connectionString: url,
    application_name: `${applicationName}:login-check`,
    connectionTimeoutMillis: 15_000,
  });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    return err;
  }
  try {
    await assertConfined(client);
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Refuses a request login that could leave row-level security: one that is, or can become, a
 * superuser, a role with BYPASSRLS or CREATEROLE, or the owner of any table of the schema.
 */
async function assertConfined(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ rolname: string }>(
    `SELECT r.rolname FROM pg_roles r
     WHERE pg_has_role(session_user, r.oid, 'MEMBER')
       AND (r.rolsuper OR r.rolbypassrls OR r.rolcreaterole
         OR EXISTS (SELECT 1 FROM pg_class c WHERE c.relowner = r.oid
                    AND c.relnamespace = 'public'::regnamespace))`,
  );
  if (rows.length > 0) {
    throw new VigiloError(
      'CONFIG_INVALID',
      `The request pool's database login can act as ${rows.map((r) => r.rolname).join(', ')}, which ` +
        'row-level security does not bind. Use a login that is only a member of vigilo_app ' +
        `(${APP_DATABASE_URL_ENV}), or unset it to let Vigilo use vigilo_app itself.`,
    );
  }
}

/** Rejections that letting the role log in (with our password) can cure. */
function isLoginRefused(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code.startsWith('28');
  // pg refuses on its side when the server asks for a password and it has none.
  return err instanceof Error && /password/i.test(err.message);
}

async function allowLogin(owner: pg.Pool, password: string | undefined): Promise<void> {
  // Without a password, only LOGIN: another database of the cluster may rely on the one it has.
  const sql =
    password === undefined
      ? `ALTER ROLE ${RUNTIME_ROLE} WITH LOGIN`
      : `ALTER ROLE ${RUNTIME_ROLE} WITH LOGIN PASSWORD '${scramVerifier(password)}'`;
  await owner.query(sql);
}

function derivePassword(ownerUrl: string): string | undefined {
  const url = new URL(ownerUrl);
  const secret = decode(url.password) || url.searchParams.get('password') || process.env.PGPASSWORD;
  if (!secret) return undefined;
  return createHmac('sha256', secret).update(`vigilo ${RUNTIME_ROLE} login v1`).digest('base64url');
}

/** DATABASE_URL turned into the runtime role's login, with the derived password if there is one. */
export function derivedRuntimeUrl(ownerUrl: string): string {
  const password = derivePassword(ownerUrl);
  const url = new URL(ownerUrl);
  url.searchParams.delete('user');
  url.searchParams.delete('password');
  url.username = RUNTIME_ROLE;
  url.password = password ?? '';
  // The URL API ignores credentials on a URL without a host (a Unix socket given as ?host=).
  if (url.username !== RUNTIME_ROLE) {
    throw new VigiloError(
      'CONFIG_INVALID',
      `DATABASE_URL names no host, so Vigilo cannot derive the request pool's login from it: ` +
        `set ${APP_DATABASE_URL_ENV} to a URL that logs in as ${RUNTIME_ROLE}.`,
    );
  }
  return url.toString();
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The SCRAM-SHA-256 verifier Postgres stores for `password` (RFC 5802/7677, as `\password` in
 * psql computes it, for an ASCII password, which SASLprep leaves as it is): given one, Postgres
 * stores it as is and never sees the password.
 */
export function scramVerifier(password: string, iterations = 4096): string {
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

function loginFailed(what: string, cause: unknown): VigiloError {
  if (cause instanceof VigiloError) return cause;
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new VigiloError(
    'CONFIG_INVALID',
    `${what}: ${reason}. Requests run as ${RUNTIME_ROLE}, logged in as that role. Let Vigilo set it up ` +
      `(DATABASE_URL with a password, as a user that may ALTER ROLE ${RUNTIME_ROLE}), or create a login ` +
      `yourself and set ${APP_DATABASE_URL_ENV}.`,
    { cause },
  );
}
