import type Database from 'better-sqlite3';

/** A row of the replica as the server sent it (snake_case columns), or null when absent. */
export type Row = Record<string, unknown> | null;

/**
 * The displayed rows of a replica (`records`): what every screen reads. Written by the server's
 * pages and, for rows that pending actions cover, by the outbox (shadow + local effects).
 */
export class Records {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  /** The displayed row. */
  row(tbl: string, id: string): Row {
    const r = this.#db
      .prepare<[string, string], { data: string }>('SELECT data FROM records WHERE tbl = ? AND id = ?')
      .get(tbl, id);
    return r ? (JSON.parse(r.data) as Record<string, unknown>) : null;
  }

  /** Shows `row` (null: removes it). */
  write(tbl: string, id: string, row: Row): void {
    if (row === null) this.#db.prepare('DELETE FROM records WHERE tbl = ? AND id = ?').run(tbl, id);
    else
      this.#db
        .prepare(
          'INSERT INTO records (tbl, id, data) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET data = excluded.data',
        )
        .run(tbl, id, JSON.stringify(row));
  }
}
