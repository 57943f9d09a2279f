import { roleGrants, type WorkspaceRole } from '@vigilo/shared/roles';
import type { Actor, WorkspaceTx } from '../db/workspace-tx.ts';
import { ActionRefused } from '../monitoring/action-refused.ts';
import { MutationConflict, type MutationResult } from './conflict.ts';
import { MUTATIONS } from './mutations.ts';

export type ClientMutation = { clientId: string; kind: string; args: unknown };
export type AppliedMutation = MutationResult & {
  clientId: string;
  /** True when this answer is the stored receipt of an earlier delivery of the same id. */
  replayed: boolean;
};

/**
 * Applies one client mutation exactly once. The receipt row is claimed first: a concurrent
 * delivery of the same id blocks on it and then reads the finished receipt. The handler runs
 * under a savepoint so a conflict undoes its writes but keeps the receipt, and a retry gets the
 * same conflict instead of a second attempt.
 */
export async function applyClientMutation(
  tx: WorkspaceTx,
  role: WorkspaceRole,
  actor: Actor,
  m: ClientMutation,
  now: Date,
): Promise<AppliedMutation> {
  const claimed = await tx.query(
    `INSERT INTO client_mutations (workspace_id, client_id, kind, actor_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING RETURNING client_id`,
    [tx.workspaceId, m.clientId, m.kind, actor.id],
  );
  if (claimed.rowCount === 0) {
    const { rows } = await tx.query<{ kind: string; actor_id: string; result: MutationResult | null }>(
      'SELECT kind, actor_id, result FROM client_mutations WHERE client_id = $1',
      [m.clientId],
    );
    const receipt = rows[0];
    if (!receipt?.result || receipt.kind !== m.kind || receipt.actor_id !== actor.id) {
      return {
        clientId: m.clientId,
        replayed: false,
        status: 'conflict',
        reason: 'invalid',
        message: 'this client id was already used for another action',
      };
    }
    return { clientId: m.clientId, replayed: true, ...receipt.result };
  }

  const result = await run(tx, role, actor, m, now);
  await tx.query('UPDATE client_mutations SET result = $2 WHERE client_id = $1', [m.clientId, result]);
  return { clientId: m.clientId, replayed: false, ...result };
}

async function run(
  tx: WorkspaceTx,
  role: WorkspaceRole,
  actor: Actor,
  m: ClientMutation,
  now: Date,
): Promise<MutationResult> {
  const def = MUTATIONS[m.kind];
  if (!def)
    return { status: 'conflict', reason: 'unknown_kind', message: `this server does not know "${m.kind}"` };
  if (!roleGrants(role, def.permission)) {
    return {
      status: 'conflict',
      reason: 'forbidden',
      message: `your role (${role}) no longer allows this: it needs the "${def.permission}" permission`,
    };
  }
  const parsed = def.args.safeParse(m.args);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      status: 'conflict',
      reason: 'invalid',
      message: issue ? `${issue.path.join('.') || 'args'}: ${issue.message}` : 'invalid arguments',
    };
  }
  await tx.query('SAVEPOINT client_mutation');
  try {
    const value = await def.apply(tx, parsed.data, actor, now);
    await tx.query('RELEASE SAVEPOINT client_mutation');
    return { status: 'applied', value };
  } catch (err) {
    // A domain action's expected refusal (ActionRefused) is a conflict like a kind's own.
    if (!(err instanceof MutationConflict || err instanceof ActionRefused)) throw err;
    await tx.query('ROLLBACK TO SAVEPOINT client_mutation');
    return { status: 'conflict', reason: err.reason, message: err.message };
  }
}
