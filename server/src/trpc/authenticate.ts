import type { Database } from '../db/pool.ts';
import { looksLikeApiToken } from '../platform/api-token-format.ts';
import { SEEN_WRITE_INTERVAL_MS } from '../platform/seen-throttle.ts';
import { authenticateApiToken } from './api-token-check.ts';
import { LOCAL_ACCOUNT_ID, unauthorized } from './credential-checks.ts';
import type { AccessTokenVerifier, Principal } from './principal.ts';

/** What a credential check needs from the running server. */
export type AuthenticateDeps = {
  db: Database;
  verifyAccessToken: AccessTokenVerifier | undefined;
  now: Date;
  /**
   * The issuer whose subjects are this server's local accounts (the built-in provider's), so a
   * disabled account is refused even while an access token issued before stays unexpired.
   */
  localIssuer: string;
};

/**
 * Turns a bearer credential into a principal. API tokens are checked by hash inside their own
 * workspace (with their creator, see api-token-check.ts); anything else must be an OIDC access
 * token, and its user is created on first sight. Every failure is UNAUTHORIZED with a plain
 * reason; nothing is written for a failed check. The state checked here (account disabled, token
 * revoked, creator's role) is read on every call: callers re-run this per operation, also on a
 * long-lived WebSocket, so a credential never outlives what made it valid.
 */
export async function authenticate(bearer: string | undefined, deps: AuthenticateDeps): Promise<Principal> {
  if (!bearer) return { kind: 'anonymous' };
  if (looksLikeApiToken(bearer)) return authenticateApiToken(bearer, deps);
  if (!deps.verifyAccessToken) throw unauthorized('sign-in is not configured on this server');
  let identity;
  try {
    identity = await deps.verifyAccessToken(bearer);
  } catch (err) {
    throw unauthorized('the access token is invalid or expired', err);
  }
  const localAccountId =
    identity.issuer === deps.localIssuer && LOCAL_ACCOUNT_ID.test(identity.subject) ? identity.subject : null;
  // One read in the common case: the account's state, and the user if known, unchanged and seen
  // within the minute (then nothing is written per request).
  const known = await deps.db.owner.query<{
    disabled: boolean | null;
    id: string | null;
    platform_admin: boolean | null;
    email: string | null;
  }>(
    `SELECT (SELECT la.disabled_at IS NOT NULL FROM local_accounts la WHERE la.id = $7::uuid) AS disabled,
            u.id, u.platform_admin, u.email
     FROM (SELECT 1) one
     LEFT JOIN users u ON u.issuer = $1 AND u.subject = $2
       AND u.last_seen_at >= $5::timestamptz - make_interval(secs => $6)
       AND u.email IS NOT DISTINCT FROM coalesce($3, u.email) AND u.name IS NOT DISTINCT FROM coalesce($4, u.name)`,
    [
      identity.issuer,
      identity.subject,
      identity.email ?? null,
      identity.name ?? null,
      deps.now,
      SEEN_WRITE_INTERVAL_MS / 1000,
      localAccountId,
    ],
  );
  const state = known.rows[0];
  if (state?.disabled) throw unauthorized('this account is disabled');
  if (state?.id) {
    return {
      kind: 'user',
      userId: state.id,
      platformAdmin: state.platform_admin === true,
      email: state.email,
    };
  }
  const { rows } = await deps.db.owner.query<{ id: string; platform_admin: boolean; email: string | null }>(
    `INSERT INTO users (issuer, subject, email, name, last_seen_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (issuer, subject) DO UPDATE
       SET email = coalesce(EXCLUDED.email, users.email), name = coalesce(EXCLUDED.name, users.name),
           last_seen_at = EXCLUDED.last_seen_at
     RETURNING id, platform_admin, email`,
    [identity.issuer, identity.subject, identity.email ?? null, identity.name ?? null, deps.now],
  );
  const user = rows[0];
  if (!user) throw new Error('user upsert returned no row');
  return { kind: 'user', userId: user.id, platformAdmin: user.platform_admin, email: user.email };
}
