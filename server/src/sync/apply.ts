import {
  OUTBOX,
  type OutboxArgs,
  type OutboxKind,
  outboxEntrySchema,
  outboxKindSchema,
  type PushEntry,
} from '@vigilo/shared/outbox';
import { roleGrants, type WorkspaceRole } from '@vigilo/shared/roles';
import type { Actor, WorkspaceTx } from '../db/tx.ts';
import { ActionRefused } from '../domain-errors.ts';
import { conflictReasonOf, type MutationResult } from './conflict.ts';
import { MUTATIONS } from './mutations.ts';

/** One sync.push entry: its envelope checked, its kind and arguments checked here, per entry. */
export type ClientMutation = PushEntry;
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
  const kind = outboxKindSchema.safeParse(m.kind);
  if (!kind.success)
    return { status: 'conflict', reason: 'unknown_kind', message: `this server does not know "${m.kind}"` };
  const { permission } = OUTBOX[kind.data];
  if (!roleGrants(role, permission)) {
    return {
      status: 'conflict',
      reason: 'forbidden',
      message: `your role (${role}) no longer allows this: it needs the "${permission}" permission`,
    };
  }
  const parsed = outboxEntrySchema.safeParse({ kind: kind.data, args: m.args });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // Named from inside the arguments ("alertId: …"), as the client sent them.
    return {
      status: 'conflict',
      reason: 'invalid',
      message: issue ? `${issue.path.slice(1).join('.') || 'args'}: ${issue.message}` : 'invalid arguments',
    };
  }
  await tx.query('SAVEPOINT client_mutation');
  try {
    const value = await applyKind(tx, parsed.data, actor, now);
    await tx.query('RELEASE SAVEPOINT client_mutation');
    return { status: 'applied', value };
  } catch (err) {
    // A domain action's expected refusal is this entry's conflict; anything else is a bug.
    if (!(err instanceof ActionRefused)) throw err;
    await tx.query('ROLLBACK TO SAVEPOINT client_mutation');
    return { status: 'conflict', reason: conflictReasonOf(err.reason), message: err.message };
  }
}

/** Calls the kind's handler with the arguments its schema parsed (kind and arguments correlated). */
function applyKind<K extends OutboxKind>(
  tx: WorkspaceTx,
  entry: { kind: K; args: OutboxArgs<K> },
  actor: Actor,
  now: Date,
): Promise<Record<string, unknown>> {
  return MUTATIONS[entry.kind](tx, entry.args, actor, now);
}
