import { z } from 'zod';

/**
 * Tasks and projects: the statuses a task moves through and how a project's progress is counted.
 * Pure, so the server's `projects.list/get` and the desktop (which counts from its replicated
 * tasks) give the same percentage.
 */

/** A task's status. Any status may follow any other: a done task can be reopened. */
export const TASK_STATUSES = ['todo', 'in_progress', 'done', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const taskStatusSchema = z.enum(TASK_STATUSES, {
  error: `status must be one of ${TASK_STATUSES.join(', ')}`,
});

/** A project's progress: counts by status and the share of the work that is done. */
export type ProjectProgress = {
  total: number;
  todo: number;
  inProgress: number;
  done: number;
  cancelled: number;
  /**
   * Done tasks over the tasks that still count (cancelled ones do not), as a whole percentage
   * rounded down, so 99.6% never shows as finished; 0 for a project with nothing left to count.
   */
  percent: number;
};

/** Counts a project's progress from its tasks' statuses. */
export function projectProgress(statuses: Iterable<TaskStatus>): ProjectProgress {
  const p = { total: 0, todo: 0, inProgress: 0, done: 0, cancelled: 0 };
  for (const s of statuses) {
    p.total += 1;
    if (s === 'todo') p.todo += 1;
    else if (s === 'in_progress') p.inProgress += 1;
    else if (s === 'done') p.done += 1;
    else p.cancelled += 1;
  }
  const counted = p.total - p.cancelled;
  return { ...p, percent: counted === 0 ? 0 : Math.floor((100 * p.done) / counted) };
}
