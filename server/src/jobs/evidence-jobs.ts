import type pg from 'pg';
import { sweepEvidence } from '../compliance/controls/evidence-state.ts';
import { ensureBuiltinFrameworks } from '../compliance/frameworks/builtin.ts';
import { withWorkspace } from '../db/tx.ts';
import type { Job } from './scheduler.ts';

/** How often evidence dates are checked: expiries are dates, an hour late is fine. */
export const EVIDENCE_EVERY_MS = 60 * 60_000;

/**
 * Announces evidence that expired or is about to, and flips the controls it leaves without
 * current evidence to "needs evidence" (compliance/controls/evidence-state.ts), in every
 * workspace, once across processes (the scheduler's job lock), with the scheduler's clock. A
 * workspace made before frameworks existed gets the shipped catalogue here too. Each workspace
 * is its own transaction on the runtime pool, bound by row security like request work.
 */
export function evidenceJobs(db: { owner: pg.Pool; app: pg.Pool }): Job[] {
  return [
    {
      name: 'evidence-expiry',
      everyMs: EVIDENCE_EVERY_MS,
      run: async (now) => {
        const { rows } = await db.owner.query<{ id: string }>('SELECT id FROM workspaces ORDER BY id');
        const actor = { type: 'system', id: 'evidence-expiry' } as const;
        const failed: string[] = [];
        for (const { id } of rows)
          await withWorkspace(db.app, id, { actor, requestId: undefined }, async (tx) => {
            await ensureBuiltinFrameworks(tx, now);
            await sweepEvidence(tx, now);
          }).catch((err: unknown) => failed.push(`${id}: ${(err as Error).message}`));
        if (failed.length > 0) throw new Error(`evidence expiry failed in ${failed.join('; ')}`);
      },
    },
  ];
}
