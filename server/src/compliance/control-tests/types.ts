import type { ControlTestOutcome, ControlTestSubject } from '@vigilo/shared/control-tests';
import { CONTROL_TEST_MAX_SUBJECTS } from '@vigilo/shared/control-tests';
import type { WorkspaceTx } from '../../db/tx.ts';

/**
 * The contract every control test implements: read the workspace's rows inside its transaction
 * (row security set) at `now`, and say what it found. An evaluator writes nothing; storing the
 * result, its event and any task is the runner's (run.ts).
 */
export type ControlTestEvaluator = (tx: WorkspaceTx, now: Date) => Promise<ControlTestOutcome>;

/**
 * Pass when every subject is ok, fail when one is not, not applicable when there is nothing to
 * look at. Failing subjects come first and the list is capped, so a result stays small.
 */
export function judge(
  subjects: ControlTestSubject[],
  words: { none: string; pass: (n: number) => string; fail: (bad: number, n: number) => string },
): ControlTestOutcome {
  if (subjects.length === 0) return { status: 'not_applicable', summary: words.none, subjects: [] };
  const bad = subjects.filter((s) => !s.ok);
  const ordered = [...bad, ...subjects.filter((s) => s.ok)].slice(0, CONTROL_TEST_MAX_SUBJECTS);
  return bad.length === 0
    ? { status: 'pass', summary: words.pass(subjects.length), subjects: ordered }
    : { status: 'fail', summary: words.fail(bad.length, subjects.length), subjects: ordered };
}

/**
 * Whether every named table exists with the named columns. The vendor and risk tests read tables
 * another module owns (and may not have created yet, or may reshape): they answer "not
 * applicable" until the columns they read are there, instead of failing a query inside the run's
 * transaction.
 */
export async function hasColumns(tx: WorkspaceTx, columns: Record<string, string[]>): Promise<boolean> {
  const wanted = Object.entries(columns).flatMap(([table, cols]) => cols.map((c) => `${table}.${c}`));
  const { rows } = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name || '.' || column_name = ANY($1)`,
    [wanted],
  );
  return rows[0]?.n === wanted.length;
}

/** An instant as ISO text for a subject's fields (null stays null). */
export const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
