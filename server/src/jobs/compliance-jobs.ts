import type pg from 'pg';
import { runControlTests } from '../compliance/control-tests/run.ts';
import { withWorkspace } from '../db/tx.ts';
import type { Job } from './scheduler.ts';

/** How often the control tests run on their own. */
export const CONTROL_TESTS_EVERY_MS = 5 * 60_000;

/**
 * The compliance jobs: every control test in every workspace, every five minutes, once across
 * processes (the scheduler's job lock). A schedule rather than a hook on each event: the tests read
 * the current state (host status, rules, changes), so a run a few minutes after a scan or a change
 * sees it, and a burst of scans costs one evaluation instead of one each. Each workspace is its own
 * transaction, so one workspace's failure does not hold back the others' results; it runs on the
 * runtime pool, bound by row security like request work (an owner that is a superuser would not be).
 */
export function complianceJobs(db: { owner: pg.Pool; app: pg.Pool }): Job[] {
  return [
    {
      name: 'control-tests',
      everyMs: CONTROL_TESTS_EVERY_MS,
      run: async (now) => {
        const { rows } = await db.owner.query<{ id: string }>('SELECT id FROM workspaces ORDER BY id');
        const actor = { type: 'system', id: 'control-tests' } as const;
        const failed: string[] = [];
        for (const { id } of rows) {
          await withWorkspace(db.app, id, { actor, requestId: undefined }, (tx) =>
            runControlTests(tx, { now, actor }),
          ).catch((err: unknown) => failed.push(`${id}: ${(err as Error).message}`));
        }
        // Reported once the others ran: the scheduler logs it and keeps it as the job's last error.
        if (failed.length > 0) throw new Error(`control tests failed in ${failed.join('; ')}`);
      },
    },
  ];
}
