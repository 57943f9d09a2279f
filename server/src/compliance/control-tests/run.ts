import { createHash } from 'node:crypto';
import { canonicalJson } from '@vigilo/shared/canonical-json';
import {
  CONTROL_TEST_IDS,
  type ControlTestId,
  type ControlTestOutcome,
  controlTest,
} from '@vigilo/shared/control-tests';
import type { Actor, WorkspaceTx } from '../../db/tx.ts';
import { createTask } from '../../work/tasks.ts';
import { CONTROL_TEST_EVALUATORS } from './registry.ts';
import {
  type ControlTestResult,
  latestResult,
  opensTaskOnFail,
  type ResultRow,
  toResult,
} from './results.ts';

/**
 * Evaluates control tests in one workspace and stores what they found. Called by the scheduler
 * (every few minutes, once across processes) and by controlTests.run. A result row is written only
 * when the outcome changed (status, or which subjects pass); otherwise the latest row is confirmed
 * (checked_at, and its fields refreshed). Going into fail records an audit row and the
 * control_test.failed event, and opens a task when the test is configured to; coming out of fail
 * records control_test.recovered.
 */
export async function runControlTests(
  tx: WorkspaceTx,
  input: { now: Date; actor: Actor; only?: readonly ControlTestId[] | undefined },
): Promise<ControlTestResult[]> {
  // Two runs in one workspace at once (the schedule and a person) would both see the same latest
  // row and both insert: they take turns for the rest of the transaction instead.
  await tx.query("SELECT pg_advisory_xact_lock(hashtextextended('control-tests:' || $1, 0))", [
    tx.workspaceId,
  ]);
  const results: ControlTestResult[] = [];
  for (const id of input.only ?? CONTROL_TEST_IDS) {
    const outcome = await CONTROL_TEST_EVALUATORS[id](tx, input.now);
    results.push(await store(tx, id, outcome, input));
  }
  return results;
}

/** What makes an outcome different: its status and which subjects passed (not their details). */
function outcomeHash(o: ControlTestOutcome): string {
  const key = { status: o.status, subjects: o.subjects.map((s) => [s.type, s.id, s.ok]) };
  return createHash('sha256').update(canonicalJson(key)).digest('hex');
}

async function store(
  tx: WorkspaceTx,
  id: ControlTestId,
  outcome: ControlTestOutcome,
  input: { now: Date; actor: Actor },
): Promise<ControlTestResult> {
  const hash = outcomeHash(outcome);
  const previous = await latestResult(tx, id);
  if (previous && previous.outcome_hash === hash) {
    const { rows } = await tx.query<ResultRow>(
      `UPDATE control_test_results SET checked_at = greatest(checked_at, $2), summary = $3, subjects = $4
       WHERE id = $1 RETURNING *`,
      [previous.id, input.now, outcome.summary, JSON.stringify(outcome.subjects)],
    );
    return toResult(rows[0] as ResultRow);
  }
  const { rows } = await tx.query<ResultRow>(
    `INSERT INTO control_test_results (workspace_id, test_id, status, summary, subjects, outcome_hash, evaluated_at, checked_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING *`,
    [tx.workspaceId, id, outcome.status, outcome.summary, JSON.stringify(outcome.subjects), hash, input.now],
  );
  let row = rows[0] as ResultRow;
  const wasFailing = previous?.status === 'fail';
  if (outcome.status === 'fail' && !wasFailing) row = await startedFailing(tx, row, input);
  if (outcome.status !== 'fail' && wasFailing) {
    await tx.record({
      action: 'control_test.recovered',
      target: { type: 'control_test', id },
      summary: { before: { status: 'fail' }, after: { status: outcome.status, resultId: row.id } },
      event: 'control_test.recovered',
      payload: { testId: id, resultId: row.id, status: outcome.status, summary: outcome.summary },
    });
  }
  return toResult(row);
}

async function startedFailing(
  tx: WorkspaceTx,
  row: ResultRow,
  input: { now: Date; actor: Actor },
): Promise<ResultRow> {
  const test = controlTest(row.test_id);
  let taskId: string | null = null;
  if (await opensTaskOnFail(tx, row.test_id)) {
    const failing = row.subjects.filter((s) => !s.ok).slice(0, 20);
    const task = await createTask(tx, {
      fields: {
        title: `Control test failing: ${test.title}`.slice(0, 200),
        description: [
          row.summary,
          '',
          ...failing.map((s) => `- ${s.type} ${s.id} ${JSON.stringify(s.fields)}`),
        ]
          .join('\n')
          .slice(0, 10_000),
      },
      actor: input.actor,
      now: input.now,
    });
    taskId = task.id;
    await tx.query('UPDATE control_test_results SET task_id = $2 WHERE id = $1', [row.id, taskId]);
  }
  await tx.record({
    action: 'control_test.failed',
    target: { type: 'control_test', id: row.test_id },
    summary: { after: { status: 'fail', resultId: row.id, taskId } },
    event: 'control_test.failed',
    payload: { testId: row.test_id, resultId: row.id, summary: row.summary, taskId },
  });
  return { ...row, task_id: taskId };
}
