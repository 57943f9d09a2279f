import { retrospectiveOverdue } from '@vigilo/shared/change-states';
import type { ControlTestEvaluator } from './types.ts';
import { iso, judge } from './types.ts';

/**
 * Every emergency change whose retrospective review was due (RETROSPECTIVE_DAYS after approval,
 * set by the change module) has had it. A change not yet due is looked at and passes: it is on
 * time so far. Lateness is the change module's own rule (`retrospectiveOverdue`).
 */
export const emergencyRetrospective: ControlTestEvaluator = async (tx, now) => {
  const { rows } = await tx.query<{
    id: string;
    title: string;
    state: string;
    approved_at: Date | null;
    retrospective_due_at: Date | null;
    retrospective_done: boolean;
  }>(
    `SELECT id, title, state, approved_at, retrospective_due_at, retrospective_done FROM changes
     WHERE type = 'emergency' AND retrospective_due_at IS NOT NULL ORDER BY retrospective_due_at`,
  );
  const subjects = rows.map((r) => ({
    type: 'change',
    id: r.id,
    ok: !retrospectiveOverdue(
      { retrospectiveDueAt: r.retrospective_due_at, retrospectiveDone: r.retrospective_done },
      now,
    ),
    fields: {
      title: r.title,
      state: r.state,
      approvedAt: iso(r.approved_at),
      retrospectiveDueAt: iso(r.retrospective_due_at),
      retrospectiveDone: r.retrospective_done,
    },
  }));
  return judge(subjects, {
    none: 'No approved emergency change yet.',
    pass: (n) => `All ${n} emergency change(s) had their retrospective review on time (or are not due yet).`,
    fail: (bad, n) =>
      `${bad} of ${n} emergency change(s) are past their retrospective review date without it.`,
  });
};
