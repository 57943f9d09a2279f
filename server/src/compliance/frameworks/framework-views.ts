import type { WorkspaceTx } from '../../db/tx.ts';
import { ActionRefused } from '../../domain-errors.ts';

/** A framework as listed. */
export type FrameworkSummary = {
  id: string;
  key: string;
  name: string;
  version: string;
  publisher: string | null;
  url: string | null;
  builtin: boolean;
  importedAt: Date;
  /** All requirements, and the leaves among them (what controls map to). */
  requirements: number;
  leaves: number;
};

/** A requirement with the workspace's controls mapped to it. */
export type RequirementView = {
  id: string;
  ref: string;
  parentRef: string | null;
  topRef: string;
  leaf: boolean;
  title: string;
  mappings: Record<string, string[]>;
  controlIds: string[];
};

const SUMMARY = `SELECT f.id::text, f.key, f.name, f.version, f.publisher, f.url, f.builtin, f.imported_at,
    (SELECT count(*) FROM framework_requirements r WHERE r.framework_id = f.id)::int AS requirements,
    (SELECT count(*) FROM framework_requirements r WHERE r.framework_id = f.id AND r.leaf)::int AS leaves
  FROM frameworks f`;

type SummaryRow = Omit<FrameworkSummary, 'importedAt'> & { imported_at: Date };
const summary = ({ imported_at, ...r }: SummaryRow): FrameworkSummary => ({ ...r, importedAt: imported_at });

/** The workspace's frameworks, builtins first, then by name. */
export async function listFrameworks(tx: WorkspaceTx): Promise<FrameworkSummary[]> {
  const { rows } = await tx.query<SummaryRow>(
    `${SUMMARY} WHERE f.workspace_id = $1 ORDER BY f.builtin DESC, f.name, f.key`,
    [tx.workspaceId],
  );
  return rows.map(summary);
}

/** The framework with this key (or id), or a `not_found` refusal. */
export async function frameworkByKey(tx: WorkspaceTx, key: string): Promise<FrameworkSummary> {
  const { rows } = await tx.query<SummaryRow>(
    `${SUMMARY} WHERE f.workspace_id = $1 AND (f.key = $2 OR f.id::text = $2)`,
    [tx.workspaceId, key],
  );
  const row = rows[0];
  if (!row) throw new ActionRefused('not_found', `framework: no framework "${key}" in this workspace`);
  return summary(row);
}

/** One framework with its requirements in catalogue order, each with the controls mapped to it. */
export async function getFramework(
  tx: WorkspaceTx,
  key: string,
): Promise<FrameworkSummary & { requirements: number; items: RequirementView[] }> {
  const framework = await frameworkByKey(tx, key);
  const { rows } = await tx.query<{
    id: string;
    ref: string;
    parent_ref: string | null;
    top_ref: string;
    leaf: boolean;
    title: string;
    mappings: Record<string, string[]>;
    control_ids: string[];
  }>(
    `SELECT r.id::text, r.ref, r.parent_ref, r.top_ref, r.leaf, r.title, r.mappings,
       coalesce(array_agg(cr.control_id::text ORDER BY cr.control_id) FILTER (WHERE cr.control_id IS NOT NULL), '{}') AS control_ids
     FROM framework_requirements r LEFT JOIN control_requirements cr ON cr.requirement_id = r.id
     WHERE r.workspace_id = $1 AND r.framework_id = $2
     GROUP BY r.id ORDER BY r.position`,
    [tx.workspaceId, framework.id],
  );
  return {
    ...framework,
    items: rows.map((r) => ({
      id: r.id,
      ref: r.ref,
      parentRef: r.parent_ref,
      topRef: r.top_ref,
      leaf: r.leaf,
      title: r.title,
      mappings: r.mappings,
      controlIds: r.control_ids,
    })),
  };
}
