/**
 * Where Postgres' time goes during a bench window, from pg_stat_statements (BENCH_PG_STATEMENTS=1
 * with the distribution Postgres, which then preloads the module). Times are execution times, so
 * they include lock waits: read them beside the CPU figures, not instead of them.
 */
import { writeFile } from 'node:fs/promises';
import type pg from 'pg';

export const statementsWanted = process.env.BENCH_PG_STATEMENTS === '1';

/** Starts the count afresh (at the window's opening). */
export async function resetStatements(db: pg.Pool): Promise<void> {
  await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  await db.query('SELECT pg_stat_statements_reset()');
}

type Row = { calls: string; rows: string; total_ms: number; query: string };

/** Writes the statements by total time to `file`, per 1,000 snapshots committed in the window. */
export async function reportStatements(db: pg.Pool, committed: number, file: string): Promise<void> {
  const { rows } = await db.query<Row>(
    `SELECT calls, rows, total_exec_time AS total_ms, query FROM pg_stat_statements
     ORDER BY total_exec_time DESC LIMIT 25`,
  );
  const per = (ms: number) => (committed > 0 ? ((ms * 1000) / committed).toFixed(1) : '-');
  const lines = rows.map(
    (r) =>
      `${per(r.total_ms).padStart(8)} ms/1k  ${String(r.calls).padStart(8)} calls  ${String(r.rows).padStart(9)} rows  ${r.query.replace(/\s+/g, ' ').slice(0, 160)}`,
  );
  const total = rows.reduce((n, r) => n + r.total_ms, 0);
  await writeFile(
    file,
    `${committed} snapshots committed in the window; top 25 statements: ${per(total)} ms per 1,000\n${lines.join('\n')}\n`,
  );
}
