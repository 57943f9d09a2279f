import { randomUUID } from 'node:crypto';
import {
  type OutboxEntry,
  outboxEntrySchema,
  outboxKindSchema,
  type ConflictReason,
} from '@vigilo/shared/outbox';
import type Database from 'better-sqlite3';
import type { Action, Conflict } from '../../bridge/contract.ts';
import { type ActionContext, localEffect, type Row } from '../outbox/local-effects.ts';
import { Meta, type ServerChange } from './replica.ts';

/** The server's answer to one outbox entry (sync.push). */
export type PushResult =
  | { clientId: string; status: 'applied' }
  | { clientId: string; status: 'conflict'; reason: ConflictReason; message: string };

/** An outbox entry waiting for the server: its order, its client id and what it asks. */
export type PendingEntry = { seq: number; clientId: string; entry: OutboxEntry };

type OutboxRow = { seq: number; client_id: string; kind: string; args: string; tbl: string; row_id: string };

/**
 * Records, shadows and the outbox of one workspace replica. Every method is one SQLite
 * transaction, so a local action and its outbox entry are written together or not at all, and
 * a server page and its cursor advance together (an interrupted sync resumes from its cursor).
 *
 * Invariant: for a row with outbox entries, records = shadow (server truth) + those entries'
 * local effects in order; for any other row, records = server truth.
 */
export class ReplicaStore {
  readonly db: Database.Database;
  readonly meta: Meta;
  readonly #ctx: () => ActionContext;
  readonly #workspaceId: () => string;

  constructor(db: Database.Database, opts: { context: () => ActionContext; workspaceId: () => string }) {
    this.db = db;
    this.meta = new Meta(db);
    this.#ctx = opts.context;
    this.#workspaceId = opts.workspaceId;
  }

  /** The displayed row. */
  row(tbl: string, id: string): Row {
    const r = this.db
      .prepare<[string, string], { data: string }>('SELECT data FROM records WHERE tbl = ? AND id = ?')
      .get(tbl, id);
    return r ? (JSON.parse(r.data) as Record<string, unknown>) : null;
  }

  /**
   * Applies one page of the server's change log and moves the cursor, atomically. When the
   * server's scope (the tables this role receives) changed, start again from 0 first.
   */
  applyServerPage(changes: ServerChange[], cursor: number): string[] {
    const touched = new Set<string>();
    this.db.transaction(() => {
      for (const c of changes) {
        touched.add(c.table);
        const shadow = this.db
          .prepare<[string, string], { tbl: string }>('SELECT tbl FROM shadows WHERE tbl = ? AND id = ?')
          .get(c.table, c.rowId);
        if (shadow) {
          this.db
            .prepare('UPDATE shadows SET data = ? WHERE tbl = ? AND id = ?')
            .run(c.row ? JSON.stringify(c.row) : null, c.table, c.rowId);
          this.#recompute(c.table, c.rowId);
        } else {
          this.#write(c.table, c.rowId, c.row);
        }
      }
      this.meta.set('changes_cursor', String(cursor));
    })();
    return [...touched];
  }

  /** Forgets the server data this role no longer receives and restarts the change log at 0. */
  resetScope(tables: string[]): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM records WHERE (tbl, id) NOT IN (SELECT tbl, id FROM shadows)').run();
      this.meta.set('changes_cursor', '0');
      this.meta.set('scope', JSON.stringify(tables));
    })();
  }

  /** Applies an action locally and queues it, in one transaction. Returns its client id and the table it changed. */
  enqueue(action: Action): { clientId: string; table: string } {
    const effect = localEffect(action, this.#workspaceId());
    const { tbl, id } = effect.target;
    const clientId = randomUUID();
    this.db.transaction(() => {
      const current = this.row(tbl, id);
      if (!current && !effect.creates)
        throw new Error(`nothing to act on: ${tbl} ${id} is not in the replica`);
      // A NULL shadow is "absent on the server": refusing a creation removes the row again.
      this.db
        .prepare('INSERT INTO shadows (tbl, id, data) VALUES (?, ?, ?) ON CONFLICT DO NOTHING')
        .run(tbl, id, current ? JSON.stringify(current) : null);
      this.db
        .prepare(
          'INSERT INTO outbox (client_id, kind, args, tbl, row_id, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(clientId, action.kind, JSON.stringify(effect.serverArgs(current)), tbl, id, this.#ctx().now);
      this.#recompute(tbl, id);
    })();
    return { clientId, table: tbl };
  }

  /** Entries waiting for the server, oldest first. */
  pending(limit = 100): PendingEntry[] {
    return this.db
      .prepare<[number], OutboxRow>("SELECT * FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT ?")
      .all(limit)
      .map((r) => ({ seq: r.seq, clientId: r.client_id, entry: storedEntry(r) }));
  }

  outboxDepth(): number {
    return this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM outbox').get()?.n ?? 0;
  }

  /**
   * Records the server's answers. Applied entries stay (as 'applied') until the next pull brings
   * the server's row, so the display never flickers back; refused ones leave the outbox, their
   * effect is undone and the conflict is kept for the user.
   */
  settle(results: PushResult[]): string[] {
    const touched = new Set<string>();
    this.db.transaction(() => {
      for (const r of results) {
        const entry = this.db
          .prepare<[string], OutboxRow>('SELECT * FROM outbox WHERE client_id = ?')
          .get(r.clientId);
        if (!entry) continue;
        if (r.status === 'applied') {
          this.db.prepare("UPDATE outbox SET state = 'applied' WHERE seq = ?").run(entry.seq);
          continue;
        }
        this.db.prepare('DELETE FROM outbox WHERE seq = ?').run(entry.seq);
        this.db
          .prepare(
            `INSERT INTO conflicts (client_id, kind, args, reason, message, created_at) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT DO NOTHING`,
          )
          .run(r.clientId, entry.kind, entry.args, r.reason, r.message, this.#ctx().now);
        this.#recompute(entry.tbl, entry.row_id);
        touched.add(entry.tbl);
      }
    })();
    return [...touched];
  }

  /** After a pull that began after the server applied them: applied entries are server truth now. */
  dropApplied(): string[] {
    const touched = new Set<string>();
    this.db.transaction(() => {
      const rows = this.db
        .prepare<[], OutboxRow>("DELETE FROM outbox WHERE state = 'applied' RETURNING *")
        .all();
      for (const r of rows) {
        this.#recompute(r.tbl, r.row_id);
        touched.add(r.tbl);
      }
    })();
    return [...touched];
  }

  /** Counts a delivery attempt (for diagnostics; the order of the outbox never changes). */
  countAttempt(clientIds: string[]): void {
    const stmt = this.db.prepare('UPDATE outbox SET attempts = attempts + 1 WHERE client_id = ?');
    this.db.transaction(() => clientIds.forEach((id) => stmt.run(id)))();
  }

  conflicts(): Conflict[] {
    return this.db
      .prepare<
        [],
        { client_id: string; kind: string; args: string; reason: string; message: string; created_at: string }
      >('SELECT * FROM conflicts ORDER BY created_at, client_id')
      .all()
      .map((c) => ({
        clientId: c.client_id,
        kind: outboxKindSchema.parse(c.kind),
        args: JSON.parse(c.args) as unknown,
        reason: c.reason,
        message: c.message,
        createdAt: c.created_at,
        subject: this.#subject(JSON.parse(c.args) as Record<string, unknown>),
      }));
  }

  /**
   * Names what a refused action was about, from the replica (a resolved alert is still there):
   * "the alert resolved" alone does not say which one.
   */
  #subject(args: Record<string, unknown>): string | undefined {
    const hostname = (id: unknown) => {
      const host = typeof id === 'string' ? this.row('hosts', id) : null;
      return typeof host?.hostname === 'string' ? host.hostname : undefined;
    };
    if (typeof args.alertId === 'string') {
      const alert = this.row('alerts', args.alertId);
      if (!alert) return undefined;
      const host = hostname(alert.host_id);
      return [alert.summary, host].filter((x) => typeof x === 'string').join(' on ');
    }
    return hostname(args.hostId);
  }

  /** Removes a conflict; returns it so the caller can redo it as a new action. */
  takeConflict(clientId: string): Conflict | undefined {
    const found = this.conflicts().find((c) => c.clientId === clientId);
    this.db.prepare('DELETE FROM conflicts WHERE client_id = ?').run(clientId);
    return found;
  }

  /** records := shadow + effects of the row's outbox entries; the shadow goes when none remain. */
  #recompute(tbl: string, id: string): void {
    const shadow = this.db
      .prepare<[string, string], { data: string | null }>('SELECT data FROM shadows WHERE tbl = ? AND id = ?')
      .get(tbl, id);
    if (!shadow) return;
    const entries = this.db
      .prepare<[string, string], OutboxRow>('SELECT * FROM outbox WHERE tbl = ? AND row_id = ? ORDER BY seq')
      .all(tbl, id);
    let row: Row = shadow.data === null ? null : (JSON.parse(shadow.data) as Record<string, unknown>);
    const ctx = this.#ctx();
    for (const e of entries) row = localEffect(storedEntry(e), this.#workspaceId()).apply(row, ctx);
    this.#write(tbl, id, row);
    if (entries.length === 0) this.db.prepare('DELETE FROM shadows WHERE tbl = ? AND id = ?').run(tbl, id);
  }

  #write(tbl: string, id: string, row: Row): void {
    if (row === null) this.db.prepare('DELETE FROM records WHERE tbl = ? AND id = ?').run(tbl, id);
    else
      this.db
        .prepare(
          'INSERT INTO records (tbl, id, data) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET data = excluded.data',
        )
        .run(tbl, id, JSON.stringify(row));
  }
}

/**
 * A stored entry, checked against the outbox contract: one this desktop cannot read (a bug, or
 * a replica written by a newer version) fails here by name instead of reaching the server.
 */
function storedEntry(r: OutboxRow): OutboxEntry {
  return outboxEntrySchema.parse({ kind: r.kind, args: JSON.parse(r.args) as unknown });
}
