import { readFileSync } from 'node:fs';
import type { WorkspaceTx } from '../../db/tx.ts';
import { type Catalogue, parseCatalogue } from './catalogue-format.ts';
import { storeCatalogue } from './store.ts';

/**
 * The catalogues every workspace has: NIST CSF 2.0 (nist-csf-2.json), read through the same
 * import format an admin's file goes through, so the shipped data obeys the documented rules.
 */
const FILES = ['nist-csf-2.json'];

let cached: Catalogue[] | undefined;

/** The shipped catalogues, parsed once per process. */
export function builtinCatalogues(): Catalogue[] {
  cached ??= FILES.map((f) => parseCatalogue(readFileSync(new URL(`./${f}`, import.meta.url), 'utf8')));
  return cached;
}

/**
 * Stores the shipped catalogues the workspace does not have yet. Called when a workspace is
 * created (workspaces/create.ts), and for workspaces made before frameworks existed, by the
 * frameworks reads and the evidence job. A builtin the workspace already holds (by key) is left
 * as it is; the check reads one indexed row, so calling it on every list is cheap.
 */
export async function ensureBuiltinFrameworks(tx: WorkspaceTx, now: Date): Promise<void> {
  const { rows } = await tx.query<{ key: string }>(
    'SELECT key FROM frameworks WHERE workspace_id = $1 AND builtin',
    [tx.workspaceId],
  );
  const present = new Set(rows.map((r) => r.key));
  for (const catalogue of builtinCatalogues())
    if (!present.has(catalogue.key)) {
      // Serialises two first calls in one workspace: the second waits, then finds the key taken
      // (ON CONFLICT in storeCatalogue would refuse it), so it re-checks under the lock.
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1 || $2))', [tx.workspaceId, catalogue.key]);
      const again = await tx.query('SELECT 1 FROM frameworks WHERE workspace_id = $1 AND key = $2', [
        tx.workspaceId,
        catalogue.key,
      ]);
      if (again.rowCount === 0) await storeCatalogue(tx, catalogue, { builtin: true, now });
    }
}
