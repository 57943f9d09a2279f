import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrateReplica } from './migrations.ts';

/** A change from the server's log (sync.pull), as the replica applies it. */
export type ServerChange = {
  seq: number;
  table: string;
  rowId: string;
  op: 'upsert' | 'delete';
  row: Record<string, unknown> | null;
};

/**
 * Opens (creating if needed) the replica of one workspace: a SQLite file in WAL mode, migrated
 * to the latest schema. The folder is private to the user (0700): it holds the workspace's data.
 */
export function openReplicaDb(file: string): Database.Database {
  if (file !== ':memory:') {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  }
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // NORMAL is durable across application crashes in WAL mode (only an OS crash can lose the
  // last commits), which is the failure the outbox must survive.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  migrateReplica(db);
  if (file !== ':memory:') chmodSync(file, 0o600);
  return db;
}

/** Small key/value state of the replica: cursors, scope, last sync time. */
export class Meta {
  readonly #get: Database.Statement<[string], { value: string }>;
  readonly #set: Database.Statement<[string, string]>;
  constructor(db: Database.Database) {
    this.#get = db.prepare('SELECT value FROM meta WHERE key = ?');
    this.#set = db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
  }
  get(key: string): string | undefined {
    return this.#get.get(key)?.value;
  }
  set(key: string, value: string): void {
    this.#set.run(key, value);
  }
  number(key: string): number {
    return Number(this.get(key) ?? 0);
  }
}
