import type { Permission } from '@vigilo/shared/roles';
import type { z } from 'zod';
import type { Actor, WorkspaceTx } from '../db/workspace-tx.ts';

/**
 * The contract every client-mutation kind implements: who may run it, its arguments, and how it
 * applies inside the caller's workspace transaction (writing its audit row and event through
 * `tx.record`). Refusals are `MutationConflict`s or a domain action's `ActionRefused`; anything
 * else thrown is a bug and fails the call without leaving a receipt, so the client retries it.
 *
 * Each domain defines its kinds in `kinds/<domain>.ts`; `mutations.ts` is the registry.
 */
export type MutationDef<A> = {
  permission: Permission;
  args: z.ZodType<A>;
  /** `now` is the server's injected clock at the push (the same instant for a whole batch entry). */
  apply(tx: WorkspaceTx, args: A, actor: Actor, now: Date): Promise<Record<string, unknown>>;
};

// The registry holds kinds of different argument types; apply() only ever receives what its own
// schema parsed (server/src/sync/apply.ts), which is what makes widening to unknown sound.
export const define = <A>(def: MutationDef<A>): MutationDef<unknown> => def;
