import type pg from 'pg';
import { withWorkspace } from '../../db/tx.ts';
import { parseToken } from '../../platform/api-token-format.ts';
import { SEEN_WRITE_INTERVAL_MS } from '../../platform/seen-throttle.ts';

export type AuthenticatedAgent = { id: string; workspaceId: string; configVersion: number };

/**
 * Checks an agent credential (`vga_…`) by hash inside its own workspace and records that the
 * agent was seen (at most once a minute, or when its address or version changed), with the spool
 * depth it reported (so that figure is up to a minute old; the first one is written at once). Undefined for anything unknown or
 * revoked: the agent then stops (401).
 */
export async function authenticateAgent(
  owner: pg.Pool,
  bearer: string | undefined,
  seen: {
    at: Date;
    address: string | undefined;
    version: string | undefined;
    spoolDepth?: number | undefined;
  },
): Promise<AuthenticatedAgent | undefined> {
  const parsed = bearer ? parseToken(bearer, 'vga') : undefined;
  if (!parsed) return undefined;
  const rows = await withWorkspace(
    owner,
    parsed.workspaceId,
    { actor: { type: 'system', id: 'agent-auth' }, requestId: undefined },
    async (tx) =>
      (
        await tx.query<{ id: string; config_version: number }>(
          // The mark is written only when stale or when the address or version changed (see
          // seen-throttle.ts); the common request reads and locks nothing.
          `WITH hit AS (
             SELECT id, config_version FROM agents
             WHERE token_hash = $1 AND workspace_id = $2 AND revoked_at IS NULL
           ), mark AS (
             UPDATE agents a SET last_seen_at = $3, address = coalesce($4, a.address), version = coalesce($5, a.version),
               spool_depth = coalesce($7, a.spool_depth)
             FROM hit WHERE a.id = hit.id AND (
               a.last_seen_at IS NULL OR a.last_seen_at < $3::timestamptz - make_interval(secs => $6)
               OR a.address IS DISTINCT FROM coalesce($4, a.address) OR a.version IS DISTINCT FROM coalesce($5, a.version)
               OR (a.spool_depth IS NULL AND $7::int IS NOT NULL))
           )
           SELECT id, config_version FROM hit`,
          [
            parsed.hash,
            parsed.workspaceId,
            seen.at,
            seen.address ?? null,
            seen.version ?? null,
            SEEN_WRITE_INTERVAL_MS / 1000,
            seen.spoolDepth ?? null,
          ],
        )
      ).rows,
  );
  const row = rows[0];
  return row ? { id: row.id, workspaceId: parsed.workspaceId, configVersion: row.config_version } : undefined;
}
