import type { VendorTier } from '@vigilo/shared/vendor-assessment';
import type { WorkspaceTx } from '../../db/tx.ts';
import { ActionRefused, invalidField } from '../../domain-errors.ts';
import { requireExisting } from '../../work/references.ts';
import { requireMember } from '../../workspaces/member-check.ts';
import {
  lockVendor,
  noVendor,
  toVendor,
  type Vendor,
  type VendorRow,
  vendorPayload,
} from './vendor-records.ts';

/**
 * Registering, changing and removing vendors, for the `vendors.*` procedures. Each change writes
 * its audit row and event in the caller's transaction. Contract dates must be in order (renewal
 * and end not before start); the table checks it too, but the caller is told the field here.
 */

export type VendorPatch = {
  name?: string | undefined;
  description?: string | undefined;
  tier?: VendorTier | undefined;
  ownerId?: string | null | undefined;
  services?: string[] | undefined;
  dataHeld?: string[] | undefined;
  contractStart?: Date | null | undefined;
  renewalDate?: Date | null | undefined;
  contractEnd?: Date | null | undefined;
  renewalNoticeDays?: number | undefined;
  /** The hosts that are this vendor's monitored endpoints; replaces the set. */
  hostIds?: string[] | undefined;
};

type Dates = { contract_start: Date | null; renewal_date: Date | null; contract_end: Date | null };

function requireDateOrder(d: Dates): void {
  if (d.contract_start && d.renewal_date && d.renewal_date < d.contract_start)
    throw invalidField(['renewalDate'], 'must not be before contractStart');
  if (d.contract_start && d.contract_end && d.contract_end < d.contract_start)
    throw invalidField(['contractEnd'], 'must not be before contractStart');
}

async function setHosts(tx: WorkspaceTx, vendorId: string, hostIds: string[] | undefined): Promise<boolean> {
  if (hostIds === undefined) return false;
  const want = [...new Set(hostIds)];
  const removed = await tx.query(
    'DELETE FROM vendor_hosts WHERE vendor_id = $1 AND NOT (host_id = ANY($2::uuid[]))',
    [vendorId, want],
  );
  const added = await tx.query(
    `INSERT INTO vendor_hosts (workspace_id, vendor_id, host_id) SELECT $1, $2, unnest($3::uuid[]) ON CONFLICT DO NOTHING`,
    [tx.workspaceId, vendorId, want],
  );
  return (removed.rowCount ?? 0) + (added.rowCount ?? 0) > 0;
}

/** Refuses a name another vendor of the workspace has (names identify vendors to people). */
async function requireFreeName(tx: WorkspaceTx, name: string, except: string | null): Promise<void> {
  const { rowCount } = await tx.query('SELECT 1 FROM vendors WHERE name = $1 AND id IS DISTINCT FROM $2', [
    name,
    except,
  ]);
  if (rowCount)
    throw new ActionRefused('conflict', `a vendor named "${name}" already exists`, {
      issue: { path: ['name'], message: 'is taken' },
    });
}

/** Registers a vendor. */
export async function createVendor(
  tx: WorkspaceTx,
  input: { fields: VendorPatch & { name: string; tier: VendorTier }; now: Date },
): Promise<Vendor> {
  const f = input.fields;
  requireDateOrder({
    contract_start: f.contractStart ?? null,
    renewal_date: f.renewalDate ?? null,
    contract_end: f.contractEnd ?? null,
  });
  if (f.ownerId)
    await requireMember(tx, { userId: f.ownerId, field: ['ownerId'], now: input.now, permission: 'approve' });
  if (f.hostIds) await requireExisting(tx, 'host', 'hostIds', f.hostIds);
  await requireFreeName(tx, f.name, null);
  const { rows } = await tx.query<VendorRow>(
    `INSERT INTO vendors (workspace_id, name, description, tier, owner_id, services, data_held, contract_start,
                          renewal_date, contract_end, renewal_notice_days, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, coalesce($11, 60), $12, $12) RETURNING *`,
    [
      tx.workspaceId,
      f.name,
      f.description ?? '',
      f.tier,
      f.ownerId ?? null,
      f.services ?? [],
      f.dataHeld ?? [],
      f.contractStart ?? null,
      f.renewalDate ?? null,
      f.contractEnd ?? null,
      f.renewalNoticeDays ?? null,
      input.now,
    ],
  );
  const vendor = toVendor(rows[0] as VendorRow, input.now);
  await setHosts(tx, vendor.id, f.hostIds);
  await tx.record({
    action: 'vendor.created',
    target: { type: 'vendor', id: vendor.id },
    summary: { after: { ...auditView(vendor), hostIds: f.hostIds ?? [] } },
    event: 'vendor.created',
    payload: vendorPayload(vendor),
  });
  return vendor;
}

/** Changes the fields given; a patch that changes nothing writes nothing. */
export async function updateVendor(
  tx: WorkspaceTx,
  input: { id: string; patch: VendorPatch; now: Date },
): Promise<Vendor> {
  const prev = await lockVendor(tx, input.id);
  const p = input.patch;
  const pick = <K extends keyof VendorPatch, C extends keyof VendorRow>(k: K, c: C) =>
    (p[k] !== undefined ? p[k] : prev[c]) as VendorRow[C];
  const next = {
    name: pick('name', 'name'),
    description: pick('description', 'description'),
    tier: pick('tier', 'tier'),
    owner_id: pick('ownerId', 'owner_id'),
    services: pick('services', 'services'),
    data_held: pick('dataHeld', 'data_held'),
    contract_start: pick('contractStart', 'contract_start'),
    renewal_date: pick('renewalDate', 'renewal_date'),
    contract_end: pick('contractEnd', 'contract_end'),
    renewal_notice_days: pick('renewalNoticeDays', 'renewal_notice_days'),
  };
  requireDateOrder(next);
  if (p.ownerId && p.ownerId !== prev.owner_id)
    await requireMember(tx, { userId: p.ownerId, field: ['ownerId'], now: input.now, permission: 'approve' });
  if (p.hostIds) await requireExisting(tx, 'host', 'hostIds', p.hostIds);
  if (next.name !== prev.name) await requireFreeName(tx, next.name, prev.id);
  const same = (a: unknown, b: unknown) =>
    a instanceof Date && b instanceof Date
      ? a.getTime() === b.getTime()
      : JSON.stringify(a) === JSON.stringify(b);
  const changed = (Object.keys(next) as Array<keyof typeof next>).filter((k) => !same(next[k], prev[k]));
  const hostsChanged = await setHosts(tx, prev.id, p.hostIds);
  if (changed.length === 0 && !hostsChanged) return toVendor(prev, input.now);
  const { rows } = await tx.query<VendorRow>(
    `UPDATE vendors SET name = $2, description = $3, tier = $4, owner_id = $5, services = $6, data_held = $7,
       contract_start = $8, renewal_date = $9, contract_end = $10, renewal_notice_days = $11, updated_at = $12
     WHERE id = $1 RETURNING *`,
    [
      prev.id,
      next.name,
      next.description,
      next.tier,
      next.owner_id,
      next.services,
      next.data_held,
      next.contract_start,
      next.renewal_date,
      next.contract_end,
      next.renewal_notice_days,
      input.now,
    ],
  );
  const vendor = toVendor(rows[0] as VendorRow, input.now);
  await tx.record({
    action: 'vendor.updated',
    target: { type: 'vendor', id: vendor.id },
    summary: {
      before: Object.fromEntries(changed.map((k) => [k, prev[k]])),
      after: {
        ...Object.fromEntries(changed.map((k) => [k, next[k]])),
        ...(hostsChanged ? { hostIds: p.hostIds } : {}),
      },
    },
    event: 'vendor.updated',
    payload: { ...vendorPayload(vendor), changed: [...changed, ...(hostsChanged ? ['hostIds'] : [])] },
  });
  return vendor;
}

/** Removes a vendor with its assessments and links; the audit row keeps what it was. */
export async function removeVendor(
  tx: WorkspaceTx,
  input: { id: string; now: Date },
): Promise<{ id: string }> {
  const { rows } = await tx.query<VendorRow>('DELETE FROM vendors WHERE id = $1 RETURNING *', [input.id]);
  const row = rows[0];
  if (!row) throw noVendor();
  const vendor = toVendor(row, input.now);
  await tx.record({
    action: 'vendor.removed',
    target: { type: 'vendor', id: vendor.id },
    summary: { before: auditView(vendor) },
    event: 'vendor.removed',
    payload: vendorPayload(vendor),
  });
  return { id: vendor.id };
}

function auditView(v: Vendor) {
  const { createdAt: _c, updatedAt: _u, renewalDue: _r, ...fields } = v;
  return fields;
}
