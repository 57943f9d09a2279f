import type { WorkspaceTx } from '../db/tx.ts';
import { invalidField } from '../domain-errors.ts';

/**
 * Changes meet incidents (migration 0010, built beside this one): a change links incidents by
 * id, and an open incident on an affected host raises its risk. Every query here is guarded by
 * the table's presence, so change management works on a database migrated before incidents.
 */

async function incidentsExist(tx: WorkspaceTx): Promise<boolean> {
  const { rows } = await tx.query<{ present: boolean }>(
    "SELECT to_regclass('incidents') IS NOT NULL AS present",
  );
  return rows[0]?.present ?? false;
}

/** Refuses any linked incident id that is not an incident of this workspace, naming its position. */
export async function requireIncidents(
  tx: WorkspaceTx,
  ids: readonly string[],
  path: ReadonlyArray<string | number>,
): Promise<void> {
  if (ids.length === 0) return;
  const known = new Set<string>();
  if (await incidentsExist(tx)) {
    const { rows } = await tx.query<{ id: string }>('SELECT id FROM incidents WHERE id = ANY($1::uuid[])', [
      ids,
    ]);
    for (const r of rows) known.add(r.id);
  }
  for (const [i, id] of ids.entries())
    if (!known.has(id)) throw invalidField([...path, i], 'no such incident in this workspace');
}

/**
 * Open incidents (not resolved or closed) on any of the hosts, in words: linked to the host, or
 * to an alert on it. None while incidents do not exist.
 */
export async function openIncidentsOn(tx: WorkspaceTx, hostIds: readonly string[]): Promise<string[]> {
  if (hostIds.length === 0 || !(await incidentsExist(tx))) return [];
  const { rows } = await tx.query<{ title: string; severity: string }>(
    `SELECT i.title, i.severity FROM incidents i
     WHERE i.state NOT IN ('resolved', 'closed') AND EXISTS (
       SELECT 1 FROM incident_links l LEFT JOIN alerts a ON l.target_type = 'alert' AND a.id = l.target_id
       WHERE l.incident_id = i.id
         AND ((l.target_type = 'host' AND l.target_id = ANY($1::uuid[])) OR a.host_id = ANY($1::uuid[])))
     ORDER BY i.opened_at, i.id`,
    [hostIds],
  );
  return rows.map((r) => `open ${r.severity} incident: ${r.title}`);
}
