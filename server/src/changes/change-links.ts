import type { ChangeFields } from '@vigilo/shared/change-inputs';
import type { WorkspaceTx } from '../db/tx.ts';
import { invalidField } from '../domain-errors.ts';
import { requireIncidents } from './incident-links.ts';
import { requireMember } from './people.ts';

/**
 * Checks what a change links to — its hosts, alerts, incidents, certificate and assignee — in
 * the workspace transaction, so another tenant's id reads as unknown. Each refusal names the
 * field and, in a list, the position: `affectedHostIds.2: no such host in this workspace`.
 */
export async function requireLinks(
  tx: WorkspaceTx,
  fields: Partial<
    Pick<
      ChangeFields,
      'affectedHostIds' | 'alertIds' | 'incidentIds' | 'certificateFingerprint' | 'assigneeId'
    >
  >,
  now: Date,
): Promise<void> {
  if (fields.affectedHostIds)
    await requireRows(tx, 'hosts', fields.affectedHostIds, 'affectedHostIds', 'host');
  if (fields.alertIds) await requireRows(tx, 'alerts', fields.alertIds, 'alertIds', 'alert');
  if (fields.incidentIds) await requireIncidents(tx, fields.incidentIds, ['incidentIds']);
  if (fields.certificateFingerprint) {
    const { rowCount } = await tx.query('SELECT 1 FROM certificates WHERE fingerprint = $1', [
      fields.certificateFingerprint,
    ]);
    if (!rowCount)
      throw invalidField(
        ['certificateFingerprint'],
        'no certificate with this fingerprint in this workspace',
      );
  }
  // The assignee carries the change out: someone who may operate.
  if (fields.assigneeId) await requireMember(tx, fields.assigneeId, ['assigneeId'], now, 'operate');
}

async function requireRows(
  tx: WorkspaceTx,
  table: 'hosts' | 'alerts',
  ids: readonly string[],
  field: string,
  what: string,
): Promise<void> {
  if (ids.length === 0) return;
  const { rows } = await tx.query<{ id: string }>(`SELECT id FROM ${table} WHERE id = ANY($1::uuid[])`, [
    ids,
  ]);
  const known = new Set(rows.map((r) => r.id));
  for (const [i, id] of ids.entries())
    if (!known.has(id)) throw invalidField([field, i], `no such ${what} in this workspace`);
}
