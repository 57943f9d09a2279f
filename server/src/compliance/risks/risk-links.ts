import type { WorkspaceTx } from '../../db/tx.ts';
import { invalidField } from '../../domain-errors.ts';
import { requireExisting } from '../../work/references.ts';

/**
 * What a risk concerns: hosts, vendors, controls and its treatment's tasks, each a link table.
 * A list given replaces the set; hosts, vendors and tasks must be rows of this workspace (checked
 * under row security, so another tenant's id reads as unknown). Control ids are stored as given:
 * the controls table belongs to the controls module, which may not exist in this database yet.
 */

export type RiskLinks = {
  hostIds?: readonly string[] | undefined;
  vendorIds?: readonly string[] | undefined;
  controlIds?: readonly string[] | undefined;
  taskIds?: readonly string[] | undefined;
};

/** The link tables, keyed by input field; names come from this constant, never from input. */
const LINKS = {
  hostIds: { table: 'risk_hosts', column: 'host_id' },
  vendorIds: { table: 'risk_vendors', column: 'vendor_id' },
  controlIds: { table: 'risk_controls', column: 'control_id' },
  taskIds: { table: 'risk_tasks', column: 'task_id' },
} as const;

/** Refuses, naming `field.<index>`, the first id that is not a row of `table` in this workspace. */
async function requireRows(
  tx: WorkspaceTx,
  table: 'vendors' | 'tasks',
  field: string,
  ids: readonly string[],
) {
  if (ids.length === 0) return;
  const { rows } = await tx.query<{ id: string }>(
    `SELECT id::text FROM ${table} WHERE id = ANY($1::uuid[]) FOR SHARE`,
    [[...new Set(ids)]],
  );
  const found = new Set(rows.map((r) => r.id));
  const missing = ids.findIndex((id) => !found.has(id));
  if (missing >= 0) throw invalidField([field, missing], `no such ${table.slice(0, -1)} in this workspace`);
}

/** Checks every list given before anything is written. */
export async function checkRiskLinks(tx: WorkspaceTx, links: RiskLinks): Promise<void> {
  if (links.hostIds) await requireExisting(tx, 'host', 'hostIds', links.hostIds);
  if (links.vendorIds) await requireRows(tx, 'vendors', 'vendorIds', links.vendorIds);
  if (links.taskIds) await requireRows(tx, 'tasks', 'taskIds', links.taskIds);
}

/** Replaces each link set given (after {@link checkRiskLinks}); returns the fields that changed. */
export async function replaceRiskLinks(tx: WorkspaceTx, riskId: string, links: RiskLinks): Promise<string[]> {
  const changed: string[] = [];
  for (const field of Object.keys(LINKS) as Array<keyof typeof LINKS>) {
    const ids = links[field];
    if (ids === undefined) continue;
    const { table, column } = LINKS[field];
    const want = [...new Set(ids)];
    const removed = await tx.query(
      `DELETE FROM ${table} WHERE risk_id = $1 AND NOT (${column} = ANY($2::uuid[]))`,
      [riskId, want],
    );
    const added = await tx.query(
      `INSERT INTO ${table} (workspace_id, risk_id, ${column}) SELECT $1, $2, unnest($3::uuid[])
       ON CONFLICT DO NOTHING`,
      [tx.workspaceId, riskId, want],
    );
    if ((removed.rowCount ?? 0) + (added.rowCount ?? 0) > 0) changed.push(field);
  }
  return changed;
}

/** A risk's links, for `risks.get` and the audit row. */
export async function riskLinks(
  tx: WorkspaceTx,
  riskId: string,
): Promise<{ hostIds: string[]; vendorIds: string[]; controlIds: string[]; taskIds: string[] }> {
  const { rows } = await tx.query<{ kind: string; id: string }>(
    `SELECT 'hostIds' AS kind, host_id::text AS id FROM risk_hosts WHERE risk_id = $1
     UNION ALL SELECT 'vendorIds', vendor_id::text FROM risk_vendors WHERE risk_id = $1
     UNION ALL SELECT 'controlIds', control_id::text FROM risk_controls WHERE risk_id = $1
     UNION ALL SELECT 'taskIds', task_id::text FROM risk_tasks WHERE risk_id = $1
     ORDER BY 1, 2`,
    [riskId],
  );
  const out = {
    hostIds: [] as string[],
    vendorIds: [] as string[],
    controlIds: [] as string[],
    taskIds: [] as string[],
  };
  for (const r of rows) out[r.kind as keyof typeof out].push(r.id);
  return out;
}
