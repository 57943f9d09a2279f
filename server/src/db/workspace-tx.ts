import type pg from 'pg';
import { canonicalJson } from '@vigilo/shared/canonical-json';
import type { EventType } from '@vigilo/shared/events';

/** Who did something: recorded on every audit row. */
export type Actor =
  | { type: 'user'; id: string }
  | { type: 'api_token'; id: string }
  | { type: 'agent'; id: string }
  | { type: 'system'; id: string };

export type AuditEntry = {
  action: string;
  target: { type: string; id: string };
  /** Before/after summary; stored as canonical JSON so the chain hashes the same bytes anywhere. */
  summary: Record<string, unknown>;
};

/**
 * A transaction inside one workspace, bound by row-level security. State changes go through
 * `change`, which writes the audit row and the event with the change itself: all commit together
 * or none does.
 */
export type WorkspaceTx = {
  readonly workspaceId: string;
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
  /** Records an audit row and emits an event for a state change made in this transaction. */
  record(entry: AuditEntry & { event: EventType; payload: Record<string, unknown> }): Promise<void>;
  /** The same transaction, recording under another actor (e.g. the rule engine inside a push). */
  as(actor: Actor): WorkspaceTx;
};

export type TxContext = { actor: Actor; requestId: string | undefined };

/**
 * Runs `fn` in a transaction as the runtime role with the workspace set (`set_config(..., true)`,
 * so it ends with the transaction). The only way request code reaches tenant data.
 */
export async function withWorkspace<T>(
  pool: pg.Pool,
  workspaceId: string,
  ctx: TxContext,
  fn: (tx: WorkspaceTx) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let released = false;
  try {
    await client.query('BEGIN');
    await client.query("SELECT set_config('vigilo.workspace_id', $1, true)", [workspaceId]);
    const result = await fn(makeTx(client, workspaceId, ctx));
    await client.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackErr) {
      // The connection is broken: drop it rather than return it to the pool.
      client.release(rollbackErr as Error);
      released = true;
    }
    throw err;
  } finally {
    if (!released) client.release();
  }
}

export function makeTx(client: pg.ClientBase, workspaceId: string, ctx: TxContext): WorkspaceTx {
  return {
    workspaceId,
    as: (actor) => makeTx(client, workspaceId, { ...ctx, actor }),
    query: (text, values) => client.query(text, values),
    record: async ({ action, target, summary, event, payload }) => {
      await client.query(
        `INSERT INTO audit_events (workspace_id, occurred_at, actor_type, actor_id, action, target_type, target_id, summary, request_id)
         VALUES ($1, now(), $2, $3, $4, $5, $6, $7, $8)`,
        [
          workspaceId,
          ctx.actor.type,
          ctx.actor.id,
          action,
          target.type,
          target.id,
          canonicalJson(summary),
          ctx.requestId ?? null,
        ],
      );
      await client.query('INSERT INTO events (workspace_id, type, payload) VALUES ($1, $2, $3)', [
        workspaceId,
        event,
        payload,
      ]);
    },
  };
}
