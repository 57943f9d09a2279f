import { PRODUCTION_TAG } from '@vigilo/shared/control-tests';
import type { ControlTestEvaluator } from './types.ts';
import { iso, judge } from './types.ts';

/**
 * Every change touching production (an affected host tagged production, or the production tag
 * itself among its affected tags) that started implementing was approved before it started. The
 * order is the audit log's: the change's `change.approved` row must come before its move to
 * implementing (the change table keeps no start time, and the chain's sequence cannot be
 * reordered, whatever clock wrote the rows); the change must also still say it is approved. The
 * state machine already refuses implementing without approval: this test is the detective control
 * that proves it held, including for rows changed behind the API.
 */
export const productionChangesApproved: ControlTestEvaluator = async (tx) => {
  const { rows } = await tx.query<{
    id: string;
    title: string;
    type: string;
    state: string;
    approved_at: Date | null;
    approved_seq: string | null;
    started_seq: string | null;
    started_at: Date | null;
  }>(
    `SELECT c.id, c.title, c.type, c.state, c.approved_at, ap.seq AS approved_seq, st.seq AS started_seq, st.at AS started_at
     FROM changes c
     LEFT JOIN LATERAL (
       SELECT min(a.seq) AS seq FROM audit_events a
       WHERE a.target_type = 'change' AND a.target_id = c.id::text AND a.action = 'change.approved'
     ) ap ON true
     LEFT JOIN LATERAL (
       SELECT a.seq, a.occurred_at AS at FROM audit_events a
       WHERE a.target_type = 'change' AND a.target_id = c.id::text AND a.action = 'change.transitioned'
         AND (a.summary::jsonb)->'after'->>'state' = 'implementing'
       ORDER BY a.seq LIMIT 1
     ) st ON true
     WHERE c.state IN ('implementing', 'completed', 'failed', 'rolled_back')
       AND ($1 = ANY (c.affected_tags)
         OR EXISTS (SELECT 1 FROM hosts h WHERE h.id = ANY (c.affected_host_ids) AND $1 = ANY (h.tags)))
     ORDER BY c.created_at, c.id`,
    [PRODUCTION_TAG],
  );
  const subjects = rows.map((r) => {
    const approvedSeq = r.approved_seq === null ? null : Number(r.approved_seq);
    const startedSeq = r.started_seq === null ? null : Number(r.started_seq);
    return {
      type: 'change',
      id: r.id,
      ok: r.approved_at !== null && approvedSeq !== null && (startedSeq === null || approvedSeq < startedSeq),
      fields: {
        title: r.title,
        type: r.type,
        state: r.state,
        approvedAt: iso(r.approved_at),
        startedAt: iso(r.started_at),
        approvedAuditSeq: approvedSeq,
        startedAuditSeq: startedSeq,
      },
    };
  });
  return judge(subjects, {
    none: 'No change to a production host has started yet.',
    pass: (n) => `All ${n} started change(s) to production were approved before they started.`,
    fail: (bad, n) => `${bad} of ${n} started change(s) to production were not approved before they started.`,
  });
};
