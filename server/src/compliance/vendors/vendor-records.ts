import { type VendorTier } from '@vigilo/shared/vendor-assessment';
import type { WorkspaceTx } from '../../db/tx.ts';
import { ActionRefused } from '../../domain-errors.ts';

/** A vendor's row as stored (0013_risks_vendors.sql). */
export type VendorRow = {
  id: string;
  name: string;
  description: string;
  tier: VendorTier;
  owner_id: string | null;
  services: string[];
  data_held: string[];
  contract_start: Date | null;
  renewal_date: Date | null;
  contract_end: Date | null;
  renewal_notice_days: number;
  created_at: Date;
  updated_at: Date;
};

/** A vendor as the API answers it; `renewalDue` is computed with the injected clock. */
export type Vendor = {
  id: string;
  name: string;
  description: string;
  tier: VendorTier;
  ownerId: string | null;
  services: string[];
  dataHeld: string[];
  contractStart: Date | null;
  renewalDate: Date | null;
  contractEnd: Date | null;
  renewalNoticeDays: number;
  /** The renewal date is within its notice period (or passed) at `now`. */
  renewalDue: boolean;
  createdAt: Date;
  updatedAt: Date;
};

const DAY_MS = 86_400_000;

/** Whether a renewal is within its notice period at `now` (a passed renewal still is, until moved). */
export function renewalDue(renewal: Date | null, noticeDays: number, now: Date): boolean {
  return renewal !== null && renewal.getTime() - noticeDays * DAY_MS <= now.getTime();
}

export function toVendor(r: VendorRow, now: Date): Vendor {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    tier: r.tier,
    ownerId: r.owner_id,
    services: r.services,
    dataHeld: r.data_held,
    contractStart: r.contract_start,
    renewalDate: r.renewal_date,
    contractEnd: r.contract_end,
    renewalNoticeDays: r.renewal_notice_days,
    renewalDue: renewalDue(r.renewal_date, r.renewal_notice_days, now),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The refusal for a vendor not in this workspace (unknown or another tenant's: alike). */
export const noVendor = () => new ActionRefused('not_found', 'no such vendor in this workspace');

/** Locks the vendor for the rest of the transaction; refuses one not in this workspace. */
export async function lockVendor(tx: WorkspaceTx, id: string): Promise<VendorRow> {
  const { rows } = await tx.query<VendorRow>('SELECT * FROM vendors WHERE id = $1 FOR UPDATE', [id]);
  const row = rows[0];
  if (!row) throw noVendor();
  return row;
}

/** What an event says of a vendor. */
export function vendorPayload(v: Vendor): Record<string, unknown> {
  return {
    vendorId: v.id,
    name: v.name,
    tier: v.tier,
    ownerId: v.ownerId,
    renewalDate: v.renewalDate?.toISOString() ?? null,
  };
}
