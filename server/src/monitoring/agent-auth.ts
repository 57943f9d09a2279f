import type pg from 'pg';
import { withWorkspace } from '../db/workspace-tx.ts';
import { parseToken } from '../platform/api-token-format.ts';

export type AuthenticatedAgent = { id: string; workspaceId: string; configVersion: number };

/**
 * Checks an agent credential (`vga_…`) by hash inside its own workspace and records that the
 * agent was seen. Undefined for anything unknown or revoked: the agent then stops (401).
 */
export async function authenticateAgent(
  owner: pg.Pool,
  bearer: string | undefined,
  seen: { at: Date; address: string | undefined; version: string | undefined },
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
          `UPDATE agents SET last_seen_at = $3, address = coalesce($4, address), version = coalesce($5, version)
       WHERE token_hash = $1 AND workspace_id = $2 AND revoked_at IS NULL RETURNING id, config_version`,
          [parsed.hash, parsed.workspaceId, seen.at, seen.address ?? null, seen.version ?? null],
        )
      ).rows,
  );
  const row = rows[0];
  return row ? { id: row.id, workspaceId: parsed.workspaceId, configVersion: row.config_version } : undefined;
}
