import type { WorkspaceTx } from '../../db/tx.ts';
import { mintToken } from '../../platform/api-token-format.ts';

/**
 * Mints a one-time enrollment token in the transaction's workspace and records it. The token is
 * returned once; only its hash is stored. The one way to make one: an admin's
 * `agents.createEnrollmentToken` and single-machine mode's local agent both call this.
 */
export async function createEnrollmentToken(
  tx: WorkspaceTx,
  input: {
    name: string;
    expiresAt: Date;
    /** The user who asked, or null for the system (the local agent). */
    createdBy: string | null;
    /** Why the system made it, kept in the audit summary. */
    purpose?: string;
  },
): Promise<{ id: string; token: string; expiresAt: Date }> {
  const { token, hash } = mintToken(tx.workspaceId, 'vge');
  const { rows } = await tx.query<{ id: string }>(
    'INSERT INTO enrollment_tokens (workspace_id, name, token_hash, created_by, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [tx.workspaceId, input.name, hash, input.createdBy, input.expiresAt],
  );
  const id = rows[0]?.id ?? '';
  await tx.record({
    action: 'enrollment_token.created',
    target: { type: 'enrollment_token', id },
    summary: {
      after: {
        name: input.name,
        expiresAt: input.expiresAt,
        ...(input.purpose === undefined ? {} : { purpose: input.purpose }),
      },
    },
    event: 'enrollment_token.created',
    payload: { id, name: input.name },
  });
  return { id, token, expiresAt: input.expiresAt };
}
