import type { WorkspaceTx } from '../../db/tx.ts';
import { invalidField } from '../../domain-errors.ts';
import type { Catalogue } from './catalogue-format.ts';

/**
 * Stores a checked catalogue (catalogue-format.ts) as a framework of the workspace, with its
 * requirements in one statement, and records `framework.imported` (for an import, not a builtin). A key already present in the
 * workspace is refused naming `document`: a catalogue is imported once, under its key.
 */
export async function storeCatalogue(
  tx: WorkspaceTx,
  catalogue: Catalogue,
  opts: { builtin: boolean; now: Date },
): Promise<{ id: string; key: string; requirements: number }> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO frameworks (workspace_id, key, name, version, publisher, url, builtin, imported_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (workspace_id, key) DO NOTHING RETURNING id::text`,
    [
      tx.workspaceId,
      catalogue.key,
      catalogue.name,
      catalogue.version,
      catalogue.publisher ?? null,
      catalogue.url ?? null,
      opts.builtin,
      opts.now,
    ],
  );
  const framework = rows[0];
  if (!framework)
    throw invalidField(['document'], `a framework with key "${catalogue.key}" is already in this workspace`);
  await tx.query(
    `INSERT INTO framework_requirements (workspace_id, framework_id, ref, parent_ref, top_ref, leaf, position, title, mappings)
     SELECT $1, $2, r.ref, r.parent_ref, r.top_ref, r.leaf, r.position, r.title, r.mappings
     FROM jsonb_to_recordset($3::jsonb) AS r(ref text, parent_ref text, top_ref text, leaf boolean, position int, title text, mappings jsonb)`,
    [
      tx.workspaceId,
      framework.id,
      JSON.stringify(
        catalogue.requirements.map((r) => ({
          ref: r.ref,
          parent_ref: r.parentRef,
          top_ref: r.topRef,
          leaf: r.leaf,
          position: r.position,
          title: r.title,
          mappings: r.mappings,
        })),
      ),
    ],
  );
  const summary = {
    key: catalogue.key,
    name: catalogue.name,
    version: catalogue.version,
    requirements: catalogue.requirements.length,
    builtin: opts.builtin,
  };
  // The shipped catalogue comes with the workspace (its `workspace.created` row covers it), so
  // only an import is a recorded change: a fresh workspace's audit log starts with its creation.
  if (!opts.builtin)
    await tx.record({
      action: 'framework.imported',
      target: { type: 'framework', id: framework.id },
      summary: { after: summary },
      event: 'framework.imported',
      payload: { id: framework.id, ...summary },
    });
  return { id: framework.id, key: catalogue.key, requirements: catalogue.requirements.length };
}
