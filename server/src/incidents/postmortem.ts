import type { Actor, WorkspaceTx } from '../db/tx.ts';
import { ActionRefused } from '../domain-errors.ts';
import { actorRef } from '../monitoring/alerts/alert-actions.ts';
import { createTask, type Task } from '../work/tasks.ts';
import { type Incident, type IncidentRow, lockIncident, toIncident } from './incident-records.ts';
import { appendTimeline } from './incident-timeline.ts';

/**
 * An incident's postmortem: what happened, its root cause, and follow-up actions that become
 * tasks linked to the incident (so they are tracked, assigned and due like any other work, and
 * show on the incident). Its own procedure (`incidents.postmortem`) rather than part of
 * `incidents.update`: it has its own rule (only once the incident is resolved), its own events
 * (`postmortem.written`, then `postmortem.updated`) and it creates tasks, which an edit of the
 * title should never do by accident.
 */

export type FollowUp = {
  title: string;
  description?: string | undefined;
  assigneeId?: string | undefined;
  dueAt?: Date | undefined;
};

/**
 * Writes (or rewrites) the postmortem of a resolved or closed incident and creates its new
 * follow-up actions as tasks. Rewriting keeps the tasks made before: they are work in progress,
 * changed through `tasks.update`; only the follow-ups given now are added.
 */
export async function writePostmortem(
  tx: WorkspaceTx,
  input: {
    incidentId: string;
    summary: string;
    rootCause?: string | undefined;
    followUps: FollowUp[];
    actor: Actor;
    now: Date;
  },
): Promise<Incident & { followUps: Task[] }> {
  const prev = await lockIncident(tx, input.incidentId);
  if (prev.state !== 'resolved' && prev.state !== 'closed')
    throw new ActionRefused(
      'invalid',
      `a postmortem is written once the incident is resolved; it is ${prev.state}`,
    );
  const first = prev.postmortem_at === null;
  const { rows } = await tx.query<IncidentRow>(
    `UPDATE incidents SET postmortem_summary = $2, postmortem_root_cause = $3, postmortem_by = $4, postmortem_at = $5,
                          updated_at = $5
     WHERE id = $1 RETURNING *`,
    [input.incidentId, input.summary, input.rootCause ?? null, actorRef(input.actor), input.now],
  );
  const followUps: Task[] = [];
  for (const [i, f] of input.followUps.entries()) {
    try {
      followUps.push(
        await createTask(tx, {
          fields: { ...f, incidentId: input.incidentId },
          actor: input.actor,
          now: input.now,
        }),
      );
    } catch (err) {
      // Named from the caller's input: followUps.2.assigneeId, not the task's own field.
      if (err instanceof ActionRefused && err.issue) {
        const path = ['followUps', i, ...err.issue.path];
        throw new ActionRefused('invalid', `${path.join('.')}: ${err.issue.message}`, {
          cause: err,
          issue: { path, message: err.issue.message },
        });
      }
      throw err;
    }
  }
  const taskIds = followUps.map((t) => t.id);
  await appendTimeline(tx, {
    incidentId: input.incidentId,
    kind: 'postmortem',
    detail: { first, followUpTaskIds: taskIds },
    actor: input.actor,
    at: input.now,
  });
  await tx.record({
    action: first ? 'postmortem.written' : 'postmortem.updated',
    target: { type: 'incident', id: input.incidentId },
    summary: {
      before: first ? null : { summary: prev.postmortem_summary, rootCause: prev.postmortem_root_cause },
      after: { summary: input.summary, rootCause: input.rootCause ?? null, followUpTaskIds: taskIds },
    },
    event: first ? 'postmortem.written' : 'postmortem.updated',
    payload: { incidentId: input.incidentId, title: prev.title, followUpTaskIds: taskIds },
  });
  return { ...toIncident(rows[0] as IncidentRow), followUps };
}
