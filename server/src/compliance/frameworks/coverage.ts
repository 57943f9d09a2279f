import type { WorkspaceTx } from '../../db/tx.ts';
import { frameworkByKey } from './framework-views.ts';

/** Coverage of a group of requirements (a whole framework, or one CSF function). */
export type CoverageCounts = {
  /** Leaf requirements in the group. */
  total: number;
  /** Leaves with at least one implemented control that has current evidence. */
  covered: number;
  /** Leaves with an implemented control, with or without current evidence. */
  implemented: number;
  /** covered / total, 0 when the group has no leaves. */
  share: number;
};

export type FrameworkCoverage = CoverageCounts & {
  framework: { id: string; key: string; name: string; version: string };
  at: Date;
  /** Per top-level requirement (the CSF's functions), in catalogue order. */
  groups: Array<CoverageCounts & { ref: string; title: string }>;
};

const counts = (total: number, covered: number, implemented: number): CoverageCounts => ({
  total,
  covered,
  implemented,
  share: total === 0 ? 0 : covered / total,
});

/**
 * The share of a framework's leaf requirements with an implemented control and current evidence
 * at `now` (effective, not expired), overall and per top-level requirement. Computed from the
 * evidence dates at `now`, not from controls' needs_evidence flag, so it is exact between two
 * runs of the evidence job.
 */
export async function frameworkCoverage(tx: WorkspaceTx, key: string, now: Date): Promise<FrameworkCoverage> {
  const framework = await frameworkByKey(tx, key);
  const { rows } = await tx.query<{
    ref: string;
    title: string;
    total: number;
    covered: number;
    implemented: number;
  }>(
    `WITH leaf AS (
       SELECT r.top_ref,
         EXISTS (SELECT 1 FROM control_requirements cr JOIN controls c ON c.id = cr.control_id
                 WHERE cr.requirement_id = r.id AND c.status = 'implemented') AS implemented,
         EXISTS (SELECT 1 FROM control_requirements cr JOIN controls c ON c.id = cr.control_id
                 WHERE cr.requirement_id = r.id AND c.status = 'implemented'
                   AND EXISTS (SELECT 1 FROM evidence e WHERE e.control_id = c.id
                                 AND e.effective_at <= $3 AND (e.expires_at IS NULL OR e.expires_at > $3))) AS covered
       FROM framework_requirements r WHERE r.workspace_id = $1 AND r.framework_id = $2 AND r.leaf
     )
     SELECT top.ref, top.title,
       count(leaf.top_ref)::int AS total,
       count(*) FILTER (WHERE leaf.covered)::int AS covered,
       count(*) FILTER (WHERE leaf.implemented)::int AS implemented
     FROM framework_requirements top LEFT JOIN leaf ON leaf.top_ref = top.ref
     WHERE top.workspace_id = $1 AND top.framework_id = $2 AND top.parent_ref IS NULL
     GROUP BY top.ref, top.title, top.position ORDER BY top.position`,
    [tx.workspaceId, framework.id, now],
  );
  const sum = (f: (r: (typeof rows)[number]) => number) => rows.reduce((n, r) => n + f(r), 0);
  return {
    framework: { id: framework.id, key: framework.key, name: framework.name, version: framework.version },
    at: now,
    ...counts(
      sum((r) => r.total),
      sum((r) => r.covered),
      sum((r) => r.implemented),
    ),
    groups: rows.map((r) => ({ ref: r.ref, title: r.title, ...counts(r.total, r.covered, r.implemented) })),
  };
}
