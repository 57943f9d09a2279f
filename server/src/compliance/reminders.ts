import type { WorkspaceTx } from '../db/tx.ts';

/**
 * Reminders of the risk register and vendors, announced by the scheduler: a risk whose review
 * date has come (`risk.review_due`) and a vendor whose renewal is within its notice period
 * (`vendor.renewal_due`). Each date is announced once (the `*_announced_for` columns hold the date
 * announced); moving the date re-arms it. The flags `reviewDue` / `renewalDue` on the rows are
 * computed on read with the same clock, so the lists agree with the announcements.
 */
export async function announceDue(
  tx: WorkspaceTx,
  now: Date,
): Promise<{ reviews: number; renewals: number }> {
  const { rows: risks } = await tx.query<{
    id: string;
    title: string;
    owner_id: string | null;
    review_date: Date;
  }>(
    `UPDATE risks SET review_announced_for = review_date
     WHERE workspace_id = $1 AND status <> 'closed' AND review_date <= $2
       AND review_announced_for IS DISTINCT FROM review_date
     RETURNING id::text, title, owner_id::text, review_date`,
    [tx.workspaceId, now],
  );
  for (const r of risks)
    await tx.record({
      action: 'risk.review_due',
      target: { type: 'risk', id: r.id },
      summary: { after: { reviewDate: r.review_date.toISOString() } },
      event: 'risk.review_due',
      payload: { riskId: r.id, title: r.title, ownerId: r.owner_id, reviewDate: r.review_date.toISOString() },
    });
  const { rows: vendors } = await tx.query<{
    id: string;
    name: string;
    owner_id: string | null;
    renewal_date: Date;
  }>(
    `UPDATE vendors SET renewal_announced_for = renewal_date
     WHERE workspace_id = $1 AND renewal_date - make_interval(days => renewal_notice_days) <= $2
       AND renewal_announced_for IS DISTINCT FROM renewal_date
     RETURNING id::text, name, owner_id::text, renewal_date`,
    [tx.workspaceId, now],
  );
  for (const v of vendors)
    await tx.record({
      action: 'vendor.renewal_due',
      target: { type: 'vendor', id: v.id },
      summary: { after: { renewalDate: v.renewal_date.toISOString() } },
      event: 'vendor.renewal_due',
      payload: {
        vendorId: v.id,
        name: v.name,
        ownerId: v.owner_id,
        renewalDate: v.renewal_date.toISOString(),
      },
    });
  return { reviews: risks.length, renewals: vendors.length };
}
