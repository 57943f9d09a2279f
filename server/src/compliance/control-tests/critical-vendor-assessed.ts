import type { ControlTestEvaluator } from './types.ts';
import { hasColumns, iso, judge } from './types.ts';

const YEAR_MS = 365 * 86_400_000;

/**
 * Every critical vendor has a completed assessment younger than a year. The vendor tables belong
 * to the vendor module (server/src/compliance/vendors/): until the columns read here exist, the
 * test is not applicable rather than failing.
 */
export const criticalVendorAssessed: ControlTestEvaluator = async (tx, now) => {
  const ready = await hasColumns(tx, {
    vendors: ['id', 'name', 'tier'],
    vendor_assessments: ['vendor_id', 'completed_at'],
  });
  if (!ready)
    return { status: 'not_applicable', summary: 'The vendor register is not set up.', subjects: [] };
  const { rows } = await tx.query<{ id: string; name: string; last_assessed: Date | null }>(
    `SELECT v.id, v.name, (SELECT max(a.completed_at) FROM vendor_assessments a WHERE a.vendor_id = v.id) AS last_assessed
     FROM vendors v WHERE v.tier = 'critical' ORDER BY v.name`,
  );
  const subjects = rows.map((r) => ({
    type: 'vendor',
    id: r.id,
    ok: r.last_assessed !== null && now.getTime() - r.last_assessed.getTime() < YEAR_MS,
    fields: { name: r.name, lastAssessedAt: iso(r.last_assessed) },
  }));
  return judge(subjects, {
    none: 'No critical vendor is registered.',
    pass: (n) => `All ${n} critical vendor(s) have an assessment younger than a year.`,
    fail: (bad, n) => `${bad} of ${n} critical vendor(s) have no assessment within the last year.`,
  });
};
