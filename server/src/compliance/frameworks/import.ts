import type { WorkspaceTx } from '../../db/tx.ts';
import { parseCatalogue } from './catalogue-format.ts';
import { storeCatalogue } from './store.ts';

/**
 * `frameworks.import`: an admin's catalogue in the documented format, checked whole before
 * anything is written (catalogue-format.ts); a refusal leaves the workspace as it was.
 */
export async function importFramework(
  tx: WorkspaceTx,
  input: { document: string; now: Date },
): Promise<{ id: string; key: string; requirements: number }> {
  const catalogue = parseCatalogue(input.document);
  return storeCatalogue(tx, catalogue, { builtin: false, now: input.now });
}
