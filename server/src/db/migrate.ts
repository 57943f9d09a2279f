import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { VigiloError } from '../errors.ts';

export type Migration = { version: number; name: string; sql: string; checksum: string };

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** Any constant works; it only has to be the same in every server process. */
const MIGRATION_LOCK_KEY = 0x76_69_67_69; // "vigi"

const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/**
 * Reads the numbered migration files (`0001_name.sql`, …) in order. Gaps and duplicate numbers
 * are refused: a missing file would otherwise be skipped silently on some databases.
 */
export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_PATTERN.exec(file);
    if (!match) throw new Error(`Migration file ${file} does not match NNNN_name.sql`);
    const version = Number(match[1]);
    const expected = migrations.length + 1;
    if (version !== expected) throw new Error(`Migration ${file}: expected number ${expected}`);
    const sql = await readFile(path.join(dir, file), 'utf8');
    migrations.push({ version, name: match[2] ?? file, sql, checksum: sha256(sql) });
  }
  return migrations;
}

export type MigrationStatus = { applied: number; latest: number; current: boolean };

/**
 * Applies pending migrations, each in its own transaction, recorded in `vigilo_migrations`.
 * Safe to run twice and from several processes at once: a session advisory lock serialises
 * runners, and the applied set is re-read under the lock. Refuses a database that has migrations
 * this build does not know (it was migrated by a newer Vigilo) or whose applied files changed.
 */
export async function migrate(
  client: pg.ClientBase,
  migrations: Migration[],
  log: (msg: string) => void = () => {},
): Promise<MigrationStatus> {
  const version = await client.query<{ server_version_num: string }>('SHOW server_version_num');
  checkServerVersion(Number(version.rows[0]?.server_version_num ?? 0));
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS vigilo_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const applied = await readApplied(client);
    checkCompatible(applied, migrations);
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO vigilo_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          m.checksum,
        ]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new VigiloError(
          'MIGRATION_FAILED',
          `Migration ${String(m.version).padStart(4, '0')}_${m.name} failed: ${(err as Error).message}`,
          { cause: err },
        );
      }
      log(`applied migration ${String(m.version).padStart(4, '0')}_${m.name}`);
    }
    const latest = migrations.at(-1)?.version ?? 0;
    return { applied: latest, latest, current: true };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
  }
}

/** The oldest PostgreSQL the migrations run on (0014's `ON DELETE SET NULL (column)` needs 15). */
export const MIN_SERVER_VERSION_NUM = 150000;

/**
 * Refuses an older PostgreSQL before any migration runs, in words, rather than letting one fail
 * half-way with a syntax error that names none of this.
 */
export function checkServerVersion(versionNum: number): void {
  if (versionNum >= MIN_SERVER_VERSION_NUM) return;
  const major = Math.floor(versionNum / 10000);
  throw new VigiloError(
    'DATABASE_TOO_OLD',
    `the database is PostgreSQL ${major || 'of an unknown version'}; Vigilo needs PostgreSQL 15 or later: upgrade it, or unset DATABASE_URL to use the embedded one`,
  );
}

/** Reports whether the database is at this build's latest migration, without changing anything. */
export async function migrationStatus(
  client: pg.ClientBase | pg.Pool,
  migrations: Migration[],
): Promise<MigrationStatus> {
  const latest = migrations.at(-1)?.version ?? 0;
  const { rows } = await client.query<{ exists: boolean }>(
    "SELECT to_regclass('vigilo_migrations') IS NOT NULL AS exists",
  );
  if (!rows[0]?.exists) return { applied: 0, latest, current: latest === 0 };
  const res = await client.query<{ max: number | null }>('SELECT max(version) AS max FROM vigilo_migrations');
  const applied = res.rows[0]?.max ?? 0;
  return { applied, latest, current: applied === latest };
}

async function readApplied(client: pg.ClientBase): Promise<Map<number, { name: string; checksum: string }>> {
  const { rows } = await client.query<{ version: number; name: string; checksum: string }>(
    'SELECT version, name, checksum FROM vigilo_migrations ORDER BY version',
  );
  return new Map(rows.map((r) => [r.version, { name: r.name, checksum: r.checksum }]));
}

function checkCompatible(applied: Map<number, { name: string; checksum: string }>, known: Migration[]): void {
  const latestKnown = known.at(-1)?.version ?? 0;
  for (const [version, row] of applied) {
    if (version > latestKnown) {
      throw new VigiloError(
        'DATABASE_NEWER',
        `The database has migration ${version} (${row.name}), newer than this Vigilo knows (up to ${latestKnown}). ` +
          'Run a newer Vigilo against it, or point DATABASE_URL / VIGILO_HOME elsewhere.',
      );
    }
    const mine = known[version - 1];
    if (mine && mine.checksum !== row.checksum) {
      throw new VigiloError(
        'MIGRATION_FAILED',
        `Migration ${version} (${row.name}) was changed after it was applied; migrations are immutable once landed.`,
      );
    }
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
