import { roleAtMost, type WorkspaceRole } from '@vigilo/shared/roles';
import type { WorkspaceTx } from '../db/tx.ts';
import { ActionRefused } from '../domain-errors.ts';
import { mintToken } from './api-token-format.ts';

/** A workspace's API tokens: listed, minted (shown once; only the hash is kept) and revoked. */

/** Every token of the workspace, newest first, revoked ones too. */
export async function listApiTokens(tx: WorkspaceTx) {
  const { rows } = await tx.query<{
    id: string;
    name: string;
    prefix: string;
    role: string;
    created_at: Date;
    expires_at: Date | null;
    last_used_at: Date | null;
    revoked_at: Date | null;
  }>(
    'SELECT id, name, prefix, role, created_at, expires_at, last_used_at, revoked_at FROM api_tokens ORDER BY created_at DESC',
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    role: r.role,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  }));
}

/**
 * Mints a token for `creator` and returns it once. Only a signed-in user mints tokens: a token
 * is bound to its creator's current role for its whole life (trpc/api-token-check.ts), and one
 * minted by a token would have no user behind it, or a chain of parents to walk on every check
 * and revocation. One rule instead: every token has a user on record, and revoking a token
 * leaves no descendants alive. Its role is no higher than the creator's.
 */
export async function createApiToken(
  tx: WorkspaceTx,
  creator: { userId: string | undefined; role: WorkspaceRole },
  input: { name: string; role: WorkspaceRole; expiresAt?: Date | undefined; now: Date },
): Promise<{ id: string; token: string; prefix: string }> {
  if (creator.userId === undefined) {
    throw new ActionRefused(
      'forbidden',
      'API tokens cannot create API tokens: sign in as a user to create one',
    );
  }
  if (!roleAtMost(input.role, creator.role)) {
    throw new ActionRefused(
      'forbidden',
      `a token cannot have a higher role (${input.role}) than yours (${creator.role})`,
    );
  }
  if (input.expiresAt && input.expiresAt <= input.now) {
    const message = 'expiresAt must be in the future';
    throw new ActionRefused('invalid', message, { issue: { path: ['expiresAt'], message } });
  }
  const { token, hash, prefix } = mintToken(tx.workspaceId);
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO api_tokens (workspace_id, name, token_hash, prefix, role, created_by, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [tx.workspaceId, input.name, hash, prefix, input.role, creator.userId, input.expiresAt ?? null],
  );
  const id = rows[0]?.id ?? '';
  await tx.record({
    action: 'api_token.created',
    target: { type: 'api_token', id },
    summary: {
      after: { name: input.name, role: input.role, prefix, expiresAt: input.expiresAt ?? null },
    },
    event: 'api_token.created',
    payload: { id, name: input.name, role: input.role },
  });
  return { id, token, prefix };
}

/** Revokes an active token: its next use is refused. */
export async function revokeApiToken(tx: WorkspaceTx, id: string): Promise<{ id: string }> {
  const { rows } = await tx.query<{ name: string }>(
    'UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING name',
    [id],
  );
  if (!rows[0]) throw new ActionRefused('not_found', 'no active token with that id');
  await tx.record({
    action: 'api_token.revoked',
    target: { type: 'api_token', id },
    summary: { before: { name: rows[0].name } },
    event: 'api_token.revoked',
    payload: { id },
  });
  return { id };
}
