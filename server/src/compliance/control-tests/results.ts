import {
  CONTROL_TESTS,
  type ControlTestId,
  type ControlTestStatus,
  type ControlTestSubject,
} from '@vigilo/shared/control-tests';
import type { WorkspaceTx } from '../../db/tx.ts';

/** A stored result: an outcome as first found (evaluatedAt) and last confirmed (checkedAt). */
export type ControlTestResult = {
  id: string;
  testId: ControlTestId;
  status: ControlTestStatus;
  summary: string;
  subjects: ControlTestSubject[];
  evaluatedAt: Date;
  checkedAt: Date;
  taskId: string | null;
};

export type ResultRow = {
  id: string;
  test_id: ControlTestId;
  status: ControlTestStatus;
  summary: string;
  subjects: ControlTestSubject[];
  outcome_hash: string;
  evaluated_at: Date;
  checked_at: Date;
  task_id: string | null;
};

export const toResult = (r: ResultRow): ControlTestResult => ({
  id: r.id,
  testId: r.test_id,
  status: r.status,
  summary: r.summary,
  subjects: r.subjects,
  evaluatedAt: r.evaluated_at,
  checkedAt: r.checked_at,
  taskId: r.task_id,
});

/** The latest stored result of one test, or undefined before its first run. */
export async function latestResult(tx: WorkspaceTx, testId: ControlTestId): Promise<ResultRow | undefined> {
  const { rows } = await tx.query<ResultRow>(
    `SELECT * FROM control_test_results WHERE test_id = $1 ORDER BY evaluated_at DESC, id DESC LIMIT 1`,
    [testId],
  );
  return rows[0];
}

/** Whether a test opens a task when it starts failing (off unless configured). */
export async function opensTaskOnFail(tx: WorkspaceTx, testId: ControlTestId): Promise<boolean> {
  const { rows } = await tx.query<{ open_task_on_fail: boolean }>(
    'SELECT open_task_on_fail FROM control_test_settings WHERE test_id = $1',
    [testId],
  );
  return rows[0]?.open_task_on_fail ?? false;
}

/** Every test of the shared list with its settings and latest result (null before its first run). */
export async function listControlTests(tx: WorkspaceTx) {
  const { rows: latest } = await tx.query<ResultRow>(
    `SELECT DISTINCT ON (test_id) * FROM control_test_results ORDER BY test_id, evaluated_at DESC, id DESC`,
  );
  const { rows: settings } = await tx.query<{ test_id: string; open_task_on_fail: boolean }>(
    'SELECT test_id, open_task_on_fail FROM control_test_settings',
  );
  return CONTROL_TESTS.map((t) => {
    const result = latest.find((r) => r.test_id === t.id);
    return {
      id: t.id,
      title: t.title,
      checks: t.checks,
      openTaskOnFail: settings.find((s) => s.test_id === t.id)?.open_task_on_fail ?? false,
      latest: result ? toResult(result) : null,
    };
  });
}

/** A test's results, newest first (each a change of outcome), after the keyset cursor. */
export async function resultHistory(
  tx: WorkspaceTx,
  input: { testId?: ControlTestId | undefined; before?: Date | undefined; limit: number },
): Promise<{ results: ControlTestResult[]; nextBefore: Date | undefined }> {
  const { rows } = await tx.query<ResultRow>(
    `SELECT * FROM control_test_results
     WHERE ($1::text IS NULL OR test_id = $1) AND ($2::timestamptz IS NULL OR evaluated_at < $2)
     ORDER BY evaluated_at DESC, id DESC LIMIT $3`,
    [input.testId ?? null, input.before ?? null, input.limit + 1],
  );
  const page = rows.slice(0, input.limit).map(toResult);
  return { results: page, nextBefore: rows.length > input.limit ? page.at(-1)?.evaluatedAt : undefined };
}

/** Sets whether a test opens a task when it starts failing; records the change. */
export async function configureControlTest(
  tx: WorkspaceTx,
  input: { testId: ControlTestId; openTaskOnFail: boolean; now: Date },
): Promise<{ testId: ControlTestId; openTaskOnFail: boolean }> {
  const before = await opensTaskOnFail(tx, input.testId);
  if (before === input.openTaskOnFail) return { testId: input.testId, openTaskOnFail: before };
  await tx.query(
    `INSERT INTO control_test_settings (workspace_id, test_id, open_task_on_fail, updated_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (workspace_id, test_id) DO UPDATE SET open_task_on_fail = EXCLUDED.open_task_on_fail, updated_at = EXCLUDED.updated_at`,
    [tx.workspaceId, input.testId, input.openTaskOnFail, input.now],
  );
  await tx.record({
    action: 'control_test.configured',
    target: { type: 'control_test', id: input.testId },
    summary: { before: { openTaskOnFail: before }, after: { openTaskOnFail: input.openTaskOnFail } },
    event: 'control_test.configured',
    payload: { testId: input.testId, openTaskOnFail: input.openTaskOnFail },
  });
  return { testId: input.testId, openTaskOnFail: input.openTaskOnFail };
}
