import type pg from 'pg';
import type { Job } from '../jobs/scheduler.ts';
import { runEscalations } from './escalation-engine.ts';
import { shiftChangeJobs } from './shift-changes.ts';

/** How often escalations are started and their due steps fired: the page latency's upper bound. */
export const ESCALATION_EVERY_MS = 10_000;

/**
 * The on-call jobs (registered once in runtime.ts): shift-change announcements, and the
 * escalation job, which starts escalations of newly opened routed alerts and fires due steps, on the
 * scheduler's clock. The scheduler already runs it in one process at a time; the engine's own
 * SKIP LOCKED claims keep a step firing once even when two processes run it directly.
 */
export function escalationJobs(owner: pg.Pool): Job[] {
  return [
    {
      name: 'escalations',
      everyMs: ESCALATION_EVERY_MS,
      run: async (now) => {
        await runEscalations(owner, now);
      },
    },
    ...shiftChangeJobs(owner),
  ];
}
