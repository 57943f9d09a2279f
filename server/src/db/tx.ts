import type pg from 'pg';
import { canonicalJson } from '@vigilo/shared/canonical-json';
import type { EventType } from '@vigilo/shared/events';

/**
 * The only module that opens a transaction (a lint rule refuses `'BEGIN'` elsewhere in the
 * server). Two doors, one begin/commit/rollback:
 * - {@link withWorkspace}: work inside one workspace, with `vigilo.workspace_id` set so row-level
 *   security binds every statement. Request work passes the runtime pool; a system path that
 *   works in one known workspace (enrollment, the dispatcher) passes the owner pool.
 * - {@link withOwnerTx}: system paths on the owner pool that span workspaces or create one
 *   (first-run bootstrap, workspace creation, the CLI, the scheduler's job lock); they enter a
 *   workspace with {@link enterWorkspace} to record a change in it.
 */

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
  /**
   * Emits an event with no audit row, for what machines observed rather than what someone did
   * (an agent's scans moving a host's status): the snapshots are the record, and an audit row
   * per scan would bury the people's actions the audit log exists for.
   */
  observe(event: EventType, payload: Record<string, unknown>): Promise<void>;
  /** The same transaction, recording under another actor (e.g. the rule engine inside a push). */
  as(actor: Actor): WorkspaceTx;
};

export type TxContext = { actor: Actor; requestId: string | undefined };

/**
 * Runs `fn` in a transaction with the workspace set (`set_config(..., true)`, so it ends with the
 * transaction). On the runtime pool, the only way request code reaches tenant data.
 */
export function withWorkspace<T>(
  pool: pg.Pool,
  workspaceId: string,
  ctx: TxContext,
  fn: (tx: WorkspaceTx) => Promise<T>,
): Promise<T> {
  return inTransaction(pool, async (client) => fn(await enterWorkspace(client, workspaceId, ctx)));
}

/**
 * Runs `fn` in a transaction on the owner pool, for system paths that are not one workspace's
 * request work. `fn` gets the connection; it enters a workspace with {@link enterWorkspace} to
 * record a change there.
 */
export function withOwnerTx<T>(owner: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return inTransaction(owner, fn);
}

/**
 * Binds an open transaction to a workspace (row-level security and audit rows follow it until
 * the transaction ends or enters another) and returns its view of it.
 */
export async function enterWorkspace(
  client: pg.ClientBase,
  workspaceId: string,
  ctx: TxContext,
): Promise<WorkspaceTx> {
  await client.query("SELECT set_config('vigilo.workspace_id', $1, true)", [workspaceId]);
  return makeTx(client, workspaceId, ctx);
}

/**
 * BEGIN, `fn`, COMMIT; on any failure ROLLBACK and rethrow. A connection whose ROLLBACK fails is
 * broken (dropped, or left mid-transaction): it is released with the error, so the pool
 * destroys it instead of lending it to the next caller.
 */
async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let result: T;
  try {
    await client.query('BEGIN');
    result = await fn(client);
    await client.query('COMMIT');
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackErr) {
      client.release(rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr)));
      throw err;
    }
    client.release();
    throw err;
  }
  client.release();
  return result;
}

function makeTx(client: pg.ClientBase, workspaceId: string, ctx: TxContext): WorkspaceTx {
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
      await emitEvent(client, workspaceId, event, payload);
    },
    observe: (event, payload) => emitEvent(client, workspaceId, event, payload),
  };
}

/** The transactional outbox: the dispatcher picks the row up once this transaction commits. */
async function emitEvent(
  client: pg.ClientBase,
  workspaceId: string,
  event: EventType,
  payload: Record<string, unknown>,
): Promise<void> {
  await client.query('INSERT INTO events (workspace_id, type, payload) VALUES ($1, $2, $3)', [
    workspaceId,
    event,
    payload,
  ]);
}
