import type Database from 'better-sqlite3';
import { Conflicts } from '../outbox/conflicts.ts';
import type { ActionContext } from '../outbox/local-effects.ts';
import { Outbox } from '../outbox/outbox.ts';
import { Records, type Row } from './records.ts';
import { Meta, type ServerChange } from './replica.ts';

/**
 * One workspace replica: the displayed records, the server's pages with their cursor, and the
 * outbox and conflicts of the actions taken here (../outbox/). A server page and its cursor
 * advance in one SQLite transaction, so an interrupted sync resumes from its cursor.
 */
export class ReplicaStore {
  readonly db: Database.Database;
  readonly meta: Meta;
  readonly records: Records;
  readonly conflicts: Conflicts;
  readonly outbox: Outbox;

  constructor(db: Database.Database, opts: { context: () => ActionContext; workspaceId: () => string }) {
    this.db = db;
    this.meta = new Meta(db);
    this.records = new Records(db);
    this.conflicts = new Conflicts(db, this.records);
    this.outbox = new Outbox(db, { records: this.records, conflicts: this.conflicts }, opts);
  }

  /** The displayed row. */
  row(tbl: string, id: string): Row {
    return this.records.row(tbl, id);
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
        if (!this.outbox.serverRow(c.table, c.rowId, c.row)) this.records.write(c.table, c.rowId, c.row);
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
}
