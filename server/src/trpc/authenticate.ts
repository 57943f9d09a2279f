import { TRPCError } from '@trpc/server';
import { workspaceRoleSchema } from '@vigilo/shared/roles';
import type { Database } from '../db/pool.ts';
import { withWorkspace } from '../db/workspace-tx.ts';
import { looksLikeApiToken, parseToken } from '../platform/api-token-format.ts';
import { SEEN_WRITE_INTERVAL_MS } from '../platform/seen-throttle.ts';
import type { AccessTokenVerifier, Principal } from './principal.ts';

/**
 * Turns a bearer credential into a principal. API tokens are checked by hash inside their own
 * workspace; anything else must be an OIDC access token, and its user is created on first sight.
 * Every failure is UNAUTHORIZED with a plain reason; nothing is written for a failed check.
 */
export async function authenticate(
  bearer: string | undefined,
  deps: { db: Database; verifyAccessToken: AccessTokenVerifier | undefined; now: Date },
): Promise<Principal> {
  if (!bearer) return { kind: 'anonymous' };
  if (looksLikeApiToken(bearer)) return authenticateApiToken(bearer, deps.db, deps.now);
  if (!deps.verifyAccessToken) throw unauthorized('sign-in is not configured on this server');
  let identity;
  try {
    identity = await deps.verifyAccessToken(bearer);
  } catch (err) {
    throw unauthorized('the access token is invalid or expired', err);
  }
  // Known, unchanged and seen within the minute: a read (the common case, no write per request).
  const known = await deps.db.owner.query<{ id: string; platform_admin: boolean; email: string | null }>(
    `SELECT id, platform_admin, email FROM users
     WHERE issuer = $1 AND subject = $2 AND last_seen_at >= $5::timestamptz - make_interval(secs => $6)
       AND email IS NOT DISTINCT FROM coalesce($3, email) AND name IS NOT DISTINCT FROM coalesce($4, name)`,
    [
      identity.issuer,
      identity.subject,
      identity.email ?? null,
      identity.name ?? null,
      deps.now,
      SEEN_WRITE_INTERVAL_MS / 1000,
    ],
  );
  const { rows } = known.rows[0]
    ? known
    : await deps.db.owner.query<{ id: string; platform_admin: boolean; email: string | null }>(
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

async function authenticateApiToken(token: string, db: Database, now: Date): Promise<Principal> {
  const parsed = parseToken(token);
  if (!parsed) throw unauthorized('malformed API token');
  const rows = await withWorkspace(
    db.owner,
    parsed.workspaceId,
    { actor: { type: 'system', id: 'token-check' }, requestId: undefined },
    async (tx) =>
      (
        await tx.query<{ id: string; role: string; expires_at: Date | null; revoked_at: Date | null }>(
          // last_used_at is written only when stale (see seen-throttle.ts).
          `WITH hit AS (
             SELECT id, role, expires_at, revoked_at FROM api_tokens
             WHERE token_hash = $1 AND workspace_id = $3 AND revoked_at IS NULL
           ), mark AS (
             UPDATE api_tokens t SET last_used_at = $2 FROM hit
             WHERE t.id = hit.id AND (t.last_used_at IS NULL OR t.last_used_at < $2::timestamptz - make_interval(secs => $4))
           )
           SELECT id, role, expires_at, revoked_at FROM hit`,
          [parsed.hash, now, parsed.workspaceId, SEEN_WRITE_INTERVAL_MS / 1000],
        )
      ).rows,
  );
  const row = rows[0];
  if (!row || row.revoked_at || (row.expires_at && row.expires_at <= now)) {
    throw unauthorized('unknown, revoked or expired API token');
  }
  return {
    kind: 'api_token',
    tokenId: row.id,
    workspaceId: parsed.workspaceId,
    role: workspaceRoleSchema.parse(row.role),
  };
}

function unauthorized(message: string, cause?: unknown): TRPCError {
  return new TRPCError({ code: 'UNAUTHORIZED', message, cause });
}
