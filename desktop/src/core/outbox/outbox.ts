import { randomUUID } from 'node:crypto';
import { type ConflictReason, type OutboxEntry, outboxEntrySchema } from '@vigilo/shared/outbox';
import type Database from 'better-sqlite3';
import type { Action } from '../../bridge/contract.ts';
import type { Records, Row } from '../replica/records.ts';
import type { Conflicts } from './conflicts.ts';
import { type ActionContext, localEffect } from './local-effects.ts';

/** The server's answer to one outbox entry (sync.push). */
export type PushResult =
  | { clientId: string; status: 'applied' }
  | { clientId: string; status: 'conflict'; reason: ConflictReason; message: string };

/** An outbox entry waiting for the server: its order, its client id and what it asks. */
export type PendingEntry = { seq: number; clientId: string; entry: OutboxEntry };

type OutboxRow = { seq: number; client_id: string; kind: string; args: string; tbl: string; row_id: string };

/**
 * Where an action taken in the desktop goes until the server has it: the `outbox` table, in
 * order, and the `shadows` of the rows it covers (their server truth). Every method is one
 * SQLite transaction (or runs inside the caller's), so a local action and its outbox entry are
 * written together or not at all.
 *
 * Invariant: for a row with outbox entries, records = shadow (server truth) + those entries'
 * local effects in order; for any other row, records = server truth.
 */
export class Outbox {
  readonly #db: Database.Database;
  readonly #records: Records;
  readonly #conflicts: Conflicts;
  readonly #ctx: () => ActionContext;
  readonly #workspaceId: () => string;

  constructor(
    db: Database.Database,
    parts: { records: Records; conflicts: Conflicts },
    opts: { context: () => ActionContext; workspaceId: () => string },
  ) {
    this.#db = db;
    this.#records = parts.records;
    this.#conflicts = parts.conflicts;
    this.#ctx = opts.context;
    this.#workspaceId = opts.workspaceId;
  }

  /** Applies an action locally and queues it, in one transaction. Returns its client id and the table it changed. */
  enqueue(action: Action): { clientId: string; table: string } {
    const effect = localEffect(action, this.#workspaceId());
    const { tbl, id } = effect.target;
    const clientId = randomUUID();
    this.#db.transaction(() => {
      const current = this.#records.row(tbl, id);
      if (!current && !effect.creates)
        throw new Error(`nothing to act on: ${tbl} ${id} is not in the replica`);
      // A NULL shadow is "absent on the server": refusing a creation removes the row again.
      this.#db
        .prepare('INSERT INTO shadows (tbl, id, data) VALUES (?, ?, ?) ON CONFLICT DO NOTHING')
        .run(tbl, id, current ? JSON.stringify(current) : null);
      this.#db
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
    return this.#db
      .prepare<[number], OutboxRow>("SELECT * FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT ?")
      .all(limit)
      .map((r) => ({ seq: r.seq, clientId: r.client_id, entry: storedEntry(r) }));
  }

  /** How many entries wait (or wait for the pull that confirms them). */
  depth(): number {
    return this.#db.prepare<[], { n: number }>('SELECT count(*) AS n FROM outbox').get()?.n ?? 0;
  }

  /**
   * Records the server's answers. Applied entries stay (as 'applied') until the next pull brings
   * the server's row, so the display never flickers back; refused ones leave the outbox, their
   * effect is undone and the conflict is kept for the user.
   */
  settle(results: PushResult[]): string[] {
    const touched = new Set<string>();
    this.#db.transaction(() => {
      for (const r of results) {
        const entry = this.#db
          .prepare<[string], OutboxRow>('SELECT * FROM outbox WHERE client_id = ?')
          .get(r.clientId);
        if (!entry) continue;
        if (r.status === 'applied') {
          this.#db.prepare("UPDATE outbox SET state = 'applied' WHERE seq = ?").run(entry.seq);
          continue;
        }
        this.#db.prepare('DELETE FROM outbox WHERE seq = ?').run(entry.seq);
        this.#conflicts.add({ ...r, kind: entry.kind, args: entry.args, at: this.#ctx().now });
        this.#recompute(entry.tbl, entry.row_id);
        touched.add(entry.tbl);
      }
    })();
    return [...touched];
  }

  /** After a pull that began after the server applied them: applied entries are server truth now. */
  dropApplied(): string[] {
    const touched = new Set<string>();
    this.#db.transaction(() => {
      const rows = this.#db
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
    const stmt = this.#db.prepare('UPDATE outbox SET attempts = attempts + 1 WHERE client_id = ?');
    this.#db.transaction(() => clientIds.forEach((id) => stmt.run(id)))();
  }

  /**
   * The server's row arrived. A row pending actions cover keeps it as its shadow and shows it
   * with those actions on top; returns false for any other row (the caller shows it as is).
   * Runs inside the caller's transaction (the page and its cursor).
   */
  serverRow(tbl: string, id: string, row: Row): boolean {
    const shadow = this.#db
      .prepare<[string, string], { tbl: string }>('SELECT tbl FROM shadows WHERE tbl = ? AND id = ?')
      .get(tbl, id);
    if (!shadow) return false;
    this.#db
      .prepare('UPDATE shadows SET data = ? WHERE tbl = ? AND id = ?')
      .run(row ? JSON.stringify(row) : null, tbl, id);
    this.#recompute(tbl, id);
    return true;
  }

  /** records := shadow + effects of the row's outbox entries; the shadow goes when none remain. */
  #recompute(tbl: string, id: string): void {
    const shadow = this.#db
      .prepare<[string, string], { data: string | null }>('SELECT data FROM shadows WHERE tbl = ? AND id = ?')
      .get(tbl, id);
    if (!shadow) return;
    const entries = this.#db
      .prepare<[string, string], OutboxRow>('SELECT * FROM outbox WHERE tbl = ? AND row_id = ? ORDER BY seq')
      .all(tbl, id);
    let row: Row = shadow.data === null ? null : (JSON.parse(shadow.data) as Record<string, unknown>);
    const ctx = this.#ctx();
    for (const e of entries) row = localEffect(storedEntry(e), this.#workspaceId()).apply(row, ctx);
    this.#records.write(tbl, id, row);
    if (entries.length === 0) this.#db.prepare('DELETE FROM shadows WHERE tbl = ? AND id = ?').run(tbl, id);
  }
}

/**
 * A stored entry, checked against the outbox contract: one this desktop cannot read (a bug, or
 * a replica written by a newer version) fails here by name instead of reaching the server.
 */
function storedEntry(r: OutboxRow): OutboxEntry {
  return outboxEntrySchema.parse({ kind: r.kind, args: JSON.parse(r.args) as unknown });
}
