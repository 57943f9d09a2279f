import type { EnrollRequest, EnrollResponse } from '@vigilo/shared/agent-protocol';
import type pg from 'pg';
import { type TxContext, withWorkspace } from '../../db/tx.ts';
import { mintToken, parseToken } from '../../platform/api-token-format.ts';

/** Until the agent exists, the enrollment acts as the system; its record names the new agent. */
const ENROLLMENT: TxContext = { actor: { type: 'system', id: 'enrollment' }, requestId: undefined };

export type EnrollOutcome =
  | { ok: true; response: EnrollResponse }
  | {
      ok: false;
      status: 401 | 409 | 410;
      code: 'unauthorized' | 'enrollment_token_used' | 'enrollment_token_expired';
      message: string;
    };

/**
 * Exchanges a one-time enrollment token for a long-lived agent credential. The token is spent in
 * the same transaction that creates the agent, so two agents racing with one token get one
 * success and one 409.
 */
export async function enrollAgent(
  owner: pg.Pool,
  req: EnrollRequest,
  now: Date,
  address: string | undefined,
): Promise<EnrollOutcome> {
  const parsed = parseToken(req.token, 'vge');
  if (!parsed) return { ok: false, status: 401, code: 'unauthorized', message: 'not an enrollment token' };
  // The owner pool (the agent has no session), bound to the token's workspace like a request.
  return withWorkspace(owner, parsed.workspaceId, ENROLLMENT, async (tx): Promise<EnrollOutcome> => {
    const { rows } = await tx.query<{ id: string; expires_at: Date; used_at: Date | null }>(
      'SELECT id, expires_at, used_at FROM enrollment_tokens WHERE token_hash = $1 AND workspace_id = $2 FOR UPDATE',
      [parsed.hash, parsed.workspaceId],
    );
    const token = rows[0];
    // A refusal has written nothing: committing the read is the same as rolling it back.
    if (!token) return { ok: false, status: 401, code: 'unauthorized', message: 'unknown enrollment token' };
    if (token.used_at) {
      return {
        ok: false,
        status: 409,
        code: 'enrollment_token_used',
        message: 'this enrollment token was already used',
      };
    }
    if (token.expires_at <= now) {
      return {
        ok: false,
        status: 410,
        code: 'enrollment_token_expired',
        message: `this enrollment token expired at ${token.expires_at.toISOString()}`,
      };
    }
    const credential = mintToken(parsed.workspaceId, 'vga');
    const agent = await tx.query<{ id: string }>(
      `INSERT INTO agents (workspace_id, name, token_hash, version, platform, address, last_seen_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [parsed.workspaceId, req.name, credential.hash, req.agent_version, req.platform, address ?? null, now],
    );
    const agentId = agent.rows[0]?.id ?? '';
    await tx.query('UPDATE enrollment_tokens SET used_at = $2, agent_id = $3 WHERE id = $1', [
      token.id,
      now,
      agentId,
    ]);
    await tx.as({ type: 'agent', id: agentId }).record({
      action: 'agent.enrolled',
      target: { type: 'agent', id: agentId },
      summary: {
        after: {
          name: req.name,
          version: req.agent_version,
          platform: req.platform,
          enrollmentToken: token.id,
        },
      },
      event: 'agent.enrolled',
      payload: { agentId, name: req.name },
    });
    return {
      ok: true,
      response: {
        agent_id: agentId,
        workspace_id: parsed.workspaceId,
        agent_token: credential.token,
        server_time: now.toISOString(),
      },
    };
  });
}
