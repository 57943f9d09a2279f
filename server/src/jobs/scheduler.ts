import type { Logger } from 'pino';
import type pg from 'pg';
import { withOwnerTx } from '../db/tx.ts';

export type Job = {
  name: string;
  everyMs: number;
  /** The work. It opens its own transactions on `owner`; the scheduler only holds the job's lock. */
  run(now: Date): Promise<void>;
};

export type Scheduler = {
  /** Runs every due job once, if no other process is running it. Returns the names run. */
  tick(): Promise<string[]>;
  stop(): Promise<void>;
};

/**
 * Runs jobs once across any number of server processes. Each due job is claimed by locking its
 * `job_runs` row (SKIP LOCKED: a busy job is someone else's) in a transaction that stays open for
 * the run and records the finish; if the process dies, the transaction aborts and the job is due
 * again for whoever ticks next.
 */
export function createScheduler(deps: {
  owner: pg.Pool;
  jobs: Job[];
  clock: () => Date;
  log: Logger;
  tickMs?: number;
  autoStart?: boolean;
}): Scheduler {
  let stopped = false;
  let current: Promise<string[]> | undefined;

  async function runIfDue(job: Job): Promise<boolean> {
    const now = deps.clock();
    // Only a missing row is inserted: an INSERT … ON CONFLICT on the row would wait for the
    // transaction of another process running the job (its UPDATE made a row version still in
    // flight), stalling this whole tick behind that run instead of skipping it.
    await deps.owner.query(
      'INSERT INTO job_runs (name) SELECT $1 WHERE NOT EXISTS (SELECT 1 FROM job_runs WHERE name = $1) ON CONFLICT DO NOTHING',
      [job.name],
    );
    return withOwnerTx(deps.owner, async (client) => {
      const { rows } = await client.query<{ name: string }>(
        `SELECT name FROM job_runs WHERE name = $1
           AND (last_finished_at IS NULL OR last_finished_at <= $2::timestamptz - make_interval(secs => $3))
         FOR UPDATE SKIP LOCKED`,
        [job.name, now, job.everyMs / 1000],
      );
      // Not due, or another process holds it: nothing was written, so ending here is harmless.
      if (rows.length === 0) return false;
      await client.query('UPDATE job_runs SET last_started_at = $2 WHERE name = $1', [job.name, now]);
      let error: string | null = null;
      try {
        await job.run(now);
      } catch (err) {
        error = (err as Error).message;
        deps.log.error({ err, job: job.name }, 'job failed');
      }
      await client.query(
        'UPDATE job_runs SET last_finished_at = $2, last_error = $3, runs = runs + 1 WHERE name = $1',
        [job.name, deps.clock(), error],
      );
      return true;
    });
  }

  const tick = async (): Promise<string[]> => {
    const ran: string[] = [];
    for (const job of deps.jobs) {
      if (stopped) break;
      if (await runIfDue(job)) ran.push(job.name);
    }
    return ran;
  };

  const timer =
    deps.autoStart === false
      ? undefined
      : setInterval(() => {
          if (current) return;
          current = tick()
            .catch((err: unknown) => {
              deps.log.error({ err }, 'scheduler tick failed');
              return [];
            })
            .finally(() => (current = undefined));
        }, deps.tickMs ?? 15_000);

  return {
    tick,
    stop: async () => {
      stopped = true;
      if (timer) clearInterval(timer);
      await current;
    },
  };
}
