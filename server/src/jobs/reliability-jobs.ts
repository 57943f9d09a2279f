import type pg from 'pg';
import { withWorkspace } from '../db/tx.ts';
import { evaluateSlos } from '../reliability/slo-evaluation.ts';
import type { Job } from './scheduler.ts';

/**
 * SLO evaluation every minute: the shortest burn-rate window is 5 minutes, so a page opens within
 * a minute or so of the burn reaching both its windows and resolves as soon after it stops.
 * Each workspace in its own transaction, so one workspace's failure leaves the others evaluated.
 */
export function reliabilityJobs(owner: pg.Pool): Job[] {
  return [
    {
      name: 'evaluate-slos',
      everyMs: 60_000,
      run: async (now) => {
        // slos FORCEs row security on its owner too: the workspaces directory is what the owner reads.
        const { rows } = await owner.query<{ id: string }>('SELECT id FROM workspaces ORDER BY id');
        for (const { id } of rows)
          await withWorkspace(
            owner,
            id,
            { actor: { type: 'system', id: 'scheduler' }, requestId: undefined },
            (tx) => evaluateSlos(tx, now),
          );
      },
    },
  ];
}
