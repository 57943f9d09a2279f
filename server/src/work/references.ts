import type { WorkspaceTx } from '../db/tx.ts';
import { invalidField } from '../domain-errors.ts';

/**
 * Checks that ids given by a caller name rows of this workspace before they are stored as links
 * (an incident's hosts, alerts and changes; a task's incident, project and change). Runs under
 * row-level security, so another workspace's id is refused exactly like a made-up one: a foreign
 * key alone would accept it (key checks bypass row security), and change ids have no key at all.
 * FOR SHARE keeps the rows from being removed before the caller's transaction commits.
 */

/** What can be referenced, with the table it lives in and how a refusal names it. */
const KINDS = {
  host: { table: 'hosts', noun: 'host' },
  alert: { table: 'alerts', noun: 'alert' },
  change: { table: 'changes', noun: 'change' },
  incident: { table: 'incidents', noun: 'incident' },
  project: { table: 'projects', noun: 'project' },
} as const;
export type ReferenceKind = keyof typeof KINDS;

/**
 * Refuses the first id that is not a row of this workspace, naming its field: `field` for a
 * single value, `field.<index>` for a list.
 */
export async function requireExisting(
  tx: WorkspaceTx,
  kind: ReferenceKind,
  field: string,
  ids: string | readonly string[],
): Promise<void> {
  const list = typeof ids === 'string' ? [ids] : ids;
  if (list.length === 0) return;
  const { table, noun } = KINDS[kind];
  // The table name comes from the constant map above, never from input.
  const { rows } = await tx.query<{ id: string }>(
    `SELECT id::text FROM ${table} WHERE id = ANY($1::uuid[]) FOR SHARE`,
    [[...new Set(list)]],
  );
  const found = new Set(rows.map((r) => r.id));
  const missing = list.findIndex((id) => !found.has(id));
  if (missing < 0) return;
  const path = typeof ids === 'string' ? [field] : [field, missing];
  throw invalidField(path, `no such ${noun} in this workspace`);
}
