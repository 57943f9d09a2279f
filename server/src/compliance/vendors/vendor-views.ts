import { nextReviewDue, type VendorTier } from '@vigilo/shared/vendor-assessment';
import type { WorkspaceTx } from '../../db/tx.ts';
import { noVendor, toVendor, type Vendor, type VendorRow } from './vendor-records.ts';

/** Reading vendors: the list by tier, and one vendor with its endpoints' grades, risks and assessments. */

/** A vendor with its review cadence worked out at `now`. */
export type VendorWithReview = Vendor & {
  lastAssessedAt: Date | null;
  nextReviewDue: Date;
  reviewDue: boolean;
};

const withReview = (r: VendorRow & { last_assessed: Date | null }, now: Date): VendorWithReview => {
  const next = nextReviewDue(r.tier, r.last_assessed, r.created_at);
  return {
    ...toVendor(r, now),
    lastAssessedAt: r.last_assessed,
    nextReviewDue: next,
    reviewDue: next <= now,
  };
};

const LAST_ASSESSED =
  '(SELECT max(a.completed_at) FROM vendor_assessments a WHERE a.vendor_id = v.id) AS last_assessed';

/** Vendors by tier (critical first), then name. */
export async function listVendors(
  tx: WorkspaceTx,
  f: { tier?: VendorTier[] | undefined; renewalDue?: boolean | undefined },
  now: Date,
): Promise<VendorWithReview[]> {
  const { rows } = await tx.query<VendorRow & { last_assessed: Date | null }>(
    `SELECT v.*, ${LAST_ASSESSED} FROM vendors v
     WHERE ($1::text[] IS NULL OR v.tier = ANY($1))
     ORDER BY array_position(ARRAY['critical', 'high', 'medium', 'low'], v.tier), v.name`,
    [f.tier && f.tier.length > 0 ? f.tier : null],
  );
  const all = rows.map((r) => withReview(r, now));
  return f.renewalDue === undefined ? all : all.filter((v) => v.renewalDue === f.renewalDue);
}

/** One vendor with its monitored endpoints and their current grades, linked risks and assessments. */
export async function getVendor(tx: WorkspaceTx, id: string, now: Date) {
  const { rows } = await tx.query<VendorRow & { last_assessed: Date | null }>(
    `SELECT v.*, ${LAST_ASSESSED} FROM vendors v WHERE v.id = $1`,
    [id],
  );
  const row = rows[0];
  if (!row) throw noVendor();
  const endpoints = await tx.query<{
    hostId: string;
    hostname: string;
    port: number;
    grade: string | null;
    scannedAt: Date | null;
  }>(
    `SELECT h.id::text AS "hostId", h.hostname, h.port, s.grade, s.scanned_at AS "scannedAt"
     FROM vendor_hosts vh JOIN hosts h ON h.id = vh.host_id LEFT JOIN host_status s ON s.host_id = h.id
     WHERE vh.vendor_id = $1 ORDER BY h.hostname, h.port`,
    [id],
  );
  const risks = await tx.query<{ id: string; title: string; status: string; inherentScore: number }>(
    `SELECT r.id::text, r.title, r.status, r.likelihood * r.impact AS "inherentScore"
     FROM risk_vendors rv JOIN risks r ON r.id = rv.risk_id WHERE rv.vendor_id = $1 ORDER BY r.title`,
    [id],
  );
  const assessments = await tx.query<{
    id: string;
    period: string;
    score: number | null;
    outcome: string | null;
    completedAt: Date | null;
  }>(
    `SELECT id::text, period, score, outcome, completed_at AS "completedAt" FROM vendor_assessments
     WHERE vendor_id = $1 ORDER BY created_at DESC, id`,
    [id],
  );
  return {
    ...withReview(row, now),
    endpoints: endpoints.rows,
    risks: risks.rows,
    assessments: assessments.rows,
  };
}
