import type { OutboxArgs, OutboxKind } from '@vigilo/shared/outbox';
import type { Actor, WorkspaceTx } from '../db/tx.ts';

/**
 * How the server applies one outbox kind inside the caller's workspace transaction, writing its
 * audit row and event through `tx.record`. Who may send the kind and its arguments are the
 * shared contract (shared/src/outbox.ts): apply.ts checks both before calling, so a handler only
 * ever receives arguments its kind's schema parsed. A refusal is the domain's `ActionRefused`
 * (domain-errors.ts), which becomes the entry's conflict; anything else thrown is a bug and fails
 * the call without leaving a receipt, so the client retries it.
 *
 * `now` is the server's injected clock at the push (the same instant for a whole batch entry).
 */
export type KindHandler<K extends OutboxKind> = (
  tx: WorkspaceTx,
  args: OutboxArgs<K>,
  actor: Actor,
  now: Date,
) => Promise<Record<string, unknown>>;

/**
 * A handler for every kind of the contract. Each domain defines its own in `kinds/<domain>.ts`
 * (`satisfies Partial<KindHandlers>`); `mutations.ts` joins them into the full map, so a kind
 * added to the contract fails to compile until the server handles it.
 */
export type KindHandlers = { [K in OutboxKind]: KindHandler<K> };
