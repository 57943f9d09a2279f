import type pg from 'pg';
import { announceDue } from '../compliance/reminders.ts';
import { withWorkspace } from '../db/tx.ts';
import type { Job } from './scheduler.ts';

/** How often review and renewal dates are checked: dates are days apart, an hour late is fine. */
export const REMINDERS_EVERY_MS = 60 * 60_000;

/**
 * Announces risk reviews and vendor renewals that fell due (server/src/compliance/reminders.ts),
 * in every workspace, once across processes (the scheduler's job lock). Each workspace is its own
 * transaction on the runtime pool, bound by row security like request work.
 */
export function complianceReminderJobs(db: { owner: pg.Pool; app: pg.Pool }): Job[] {
  return [
    {
      name: 'compliance-reminders',
      everyMs: REMINDERS_EVERY_MS,
      run: async (now) => {
        const { rows } = await db.owner.query<{ id: string }>('SELECT id FROM workspaces ORDER BY id');
        const actor = { type: 'system', id: 'compliance-reminders' } as const;
        const failed: string[] = [];
        for (const { id } of rows)
          await withWorkspace(db.app, id, { actor, requestId: undefined }, (tx) =>
            announceDue(tx, now),
          ).catch((err: unknown) => failed.push(`${id}: ${(err as Error).message}`));
        if (failed.length > 0) throw new Error(`compliance reminders failed in ${failed.join('; ')}`);
      },
    },
  ];
}
