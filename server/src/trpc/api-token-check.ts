import { roleAtMost, type WorkspaceRole, workspaceRoleSchema } from '@vigilo/shared/roles';
import { withWorkspace } from '../db/tx.ts';
import { parseToken } from '../platform/api-token-format.ts';
import { SEEN_WRITE_INTERVAL_MS } from '../platform/seen-throttle.ts';
import type { AuthenticateDeps } from './authenticate.ts';
import { localAccountDisabledSql, unauthorized } from './credential-checks.ts';
import type { Principal } from './principal.ts';

type TokenRow = {
  id: string;
  role: string;
  expires_at: Date | null;
  creator_role: string | null;
  creator_current: boolean;
  creator_disabled: boolean;
};

/**
 * Checks an API token by hash inside its own workspace, together with the user who created it:
 * a token is worth no more than its creator has *now* (DESIGN.md §8). Its effective role is the
 * lower of its own and its creator's current role in the workspace; once the creator is removed,
 * their grant has ended, their account is disabled, or there is no creator on record (tokens
 * minted by tokens before that was refused), the token stops working.
 */
export async function authenticateApiToken(token: string, deps: AuthenticateDeps): Promise<Principal> {
  const parsed = parseToken(token);
  if (!parsed) throw unauthorized('malformed API token');
  const rows = await withWorkspace(
    deps.db.owner,
    parsed.workspaceId,
    { actor: { type: 'system', id: 'token-check' }, requestId: undefined },
    async (tx) =>
      (
        await tx.query<TokenRow>(
          // last_used_at is written only for a usable token, and only when stale (seen-throttle.ts).
          `WITH hit AS (
             SELECT t.id, t.role, t.expires_at, m.role AS creator_role,
                    (m.expires_at IS NULL OR m.expires_at > $2) AS creator_current,
                    ${localAccountDisabledSql('t.created_by', '$5')} AS creator_disabled
             FROM api_tokens t
             LEFT JOIN memberships m ON m.workspace_id = t.workspace_id AND m.user_id = t.created_by
             WHERE t.token_hash = $1 AND t.workspace_id = $3 AND t.revoked_at IS NULL
           ), mark AS (
             UPDATE api_tokens t SET last_used_at = $2 FROM hit
             WHERE t.id = hit.id AND (hit.expires_at IS NULL OR hit.expires_at > $2)
               AND hit.creator_role IS NOT NULL AND hit.creator_current AND NOT hit.creator_disabled
               AND (t.last_used_at IS NULL OR t.last_used_at < $2::timestamptz - make_interval(secs => $4))
           )
           SELECT id, role, expires_at, creator_role, creator_current, creator_disabled FROM hit`,
          [parsed.hash, deps.now, parsed.workspaceId, SEEN_WRITE_INTERVAL_MS / 1000, deps.localIssuer],
        )
      ).rows,
  );
  const row = rows[0];
  if (!row || (row.expires_at && row.expires_at <= deps.now)) {
    throw unauthorized('unknown, revoked or expired API token');
  }
  if (!row.creator_role || !row.creator_current || row.creator_disabled) {
    throw unauthorized('the user who created this API token no longer has access to the workspace');
  }
  const own = workspaceRoleSchema.parse(row.role);
  const creator = workspaceRoleSchema.parse(row.creator_role);
  const role = lowerRole(own, creator);
  if (!role) {
    throw unauthorized(
      `this API token's role (${own}) is not covered by its creator's current role (${creator})`,
    );
  }
  return { kind: 'api_token', tokenId: row.id, workspaceId: parsed.workspaceId, role };
}

/**
 * The lower of two roles, or undefined when neither is within the other (the auditor and the
 * viewer or member share no permission): then no role is "no higher than" both.
 */
export function lowerRole(a: WorkspaceRole, b: WorkspaceRole): WorkspaceRole | undefined {
  if (roleAtMost(a, b)) return a;
  if (roleAtMost(b, a)) return b;
  return undefined;
}
