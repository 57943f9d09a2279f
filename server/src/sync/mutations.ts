import type { Permission } from '@vigilo/shared/roles';
import { z } from 'zod';
import type { Actor, WorkspaceTx } from '../db/workspace-tx.ts';
import { MutationConflict } from './conflict.ts';

/**
 * The contract every client-mutation kind implements: who may run it, its arguments, and how it
 * applies inside the caller's workspace transaction (writing its audit row and event through
 * `tx.record`). Refusals are `MutationConflict`s; anything else thrown is a bug and fails the
 * call without leaving a receipt, so the client retries it later.
 *
 * New kinds (alert.snooze, change.approve, change.reject, incident.comment...) add an entry here.
 */
export type MutationDef<A> = {
  permission: Permission;
  args: z.ZodType<A>;
  apply(tx: WorkspaceTx, args: A, actor: Actor): Promise<Record<string, unknown>>;
};

// The registry holds kinds of different argument types; apply() only ever receives what its own
// schema parsed (server/src/sync/apply.ts), which is what makes widening to unknown sound.
const define = <A>(def: MutationDef<A>): MutationDef<unknown> => def;

const workspaceRename = define({
  permission: 'administer',
  args: z.object({
    name: z.string().trim().min(1, 'name must not be empty').max(100, 'name must be at most 100 characters'),
    /** The name the client saw when it made the change; a different current name is a conflict. */
    expectedName: z.string().optional(),
  }),
  async apply(tx, args) {
    const { rows } = await tx.query<{ name: string }>('SELECT name FROM workspaces FOR UPDATE');
    const prev = rows[0];
    if (!prev) throw new MutationConflict('not_found', 'the workspace no longer exists');
    if (args.expectedName !== undefined && prev.name !== args.expectedName) {
      throw new MutationConflict(
        'stale',
        `the workspace was renamed to "${prev.name}" by someone else after you saw "${args.expectedName}"`,
      );
    }
    await tx.query('UPDATE workspaces SET name = $1', [args.name]);
    await tx.record({
      action: 'workspace.updated',
      target: { type: 'workspace', id: tx.workspaceId },
      summary: { before: { name: prev.name }, after: { name: args.name } },
      event: 'workspace.updated',
      payload: { id: tx.workspaceId, name: args.name },
    });
    return { name: args.name };
  },
});

const alertAcknowledge = define({
  permission: 'operate',
  args: z.object({
    alertId: z.uuid('alertId must be an alert id'),
    note: z.string().max(2000, 'note must be at most 2000 characters').optional(),
  }),
  async apply(tx, args, actor) {
    const { rows } = await tx.query<{ state: string; acknowledged_by: string | null }>(
      'SELECT state, acknowledged_by FROM alerts WHERE id = $1 FOR UPDATE',
      [args.alertId],
    );
    const alert = rows[0];
    if (!alert) throw new MutationConflict('not_found', 'the alert no longer exists');
    if (alert.state === 'resolved') {
      throw new MutationConflict('already_decided', 'the alert resolved before your acknowledgement arrived');
    }
    if (alert.acknowledged_by !== null) {
      // Acknowledging twice is harmless for the same person; for another it is news to show.
      if (alert.acknowledged_by === actor.id) return { alertId: args.alertId };
      throw new MutationConflict('already_decided', 'someone else acknowledged the alert first');
    }
    await tx.query(
      'UPDATE alerts SET acknowledged_at = now(), acknowledged_by = $2, ack_note = $3 WHERE id = $1',
      [args.alertId, actor.id, args.note ?? null],
    );
    await tx.record({
      action: 'alert.acknowledged',
      target: { type: 'alert', id: args.alertId },
      summary: { after: { acknowledgedBy: actor.id, note: args.note ?? null } },
      event: 'alert.acknowledged',
      payload: { id: args.alertId, acknowledgedBy: actor.id },
    });
    return { alertId: args.alertId };
  },
});

/** Every kind the server applies through sync.push. */
export const MUTATIONS: Record<string, MutationDef<unknown> | undefined> = {
  'workspace.rename': workspaceRename,
  'alert.acknowledge': alertAcknowledge,
};
