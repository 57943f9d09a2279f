import type { ControlTestEvaluator } from './types.ts';
import { hasColumns, iso, judge } from './types.ts';

/**
 * No open risk is past its review date. The risk register belongs to the risk module
 * (server/src/compliance/risks/): until the columns read here exist, the test is not applicable
 * rather than failing.
 */
export const risksReviewed: ControlTestEvaluator = async (tx, now) => {
  const ready = await hasColumns(tx, { risks: ['id', 'title', 'status', 'review_date'] });
  if (!ready) return { status: 'not_applicable', summary: 'The risk register is not set up.', subjects: [] };
  const { rows } = await tx.query<{ id: string; title: string; status: string; review_date: Date | null }>(
    `SELECT id, title, status, review_date::timestamptz AS review_date FROM risks
     WHERE status <> 'closed' ORDER BY review_date NULLS LAST, title`,
  );
  const subjects = rows.map((r) => ({
    type: 'risk',
    id: r.id,
    ok: r.review_date === null || r.review_date > now,
    fields: { title: r.title, status: r.status, reviewDate: iso(r.review_date) },
  }));
  return judge(subjects, {
    none: 'No open risk is registered.',
    pass: (n) => `All ${n} open risk(s) are within their review date.`,
    fail: (bad, n) => `${bad} of ${n} open risk(s) are past their review date.`,
  });
};
