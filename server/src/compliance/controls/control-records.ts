import { type ControlState, type ControlStatus, controlState } from '@vigilo/shared/frameworks';
import type { WorkspaceTx } from '../../db/tx.ts';
import { ActionRefused, invalidField } from '../../domain-errors.ts';

/** A requirement a control is mapped to, named the way a person names it. */
export type MappedRequirement = { id: string; framework: string; ref: string; title: string };

/** A control as the procedures return it. */
export type Control = {
  id: string;
  title: string;
  description: string;
  ownerId: string | null;
  status: ControlStatus;
  /** No current evidence (none, not yet effective, or expired). */
  needsEvidence: boolean;
  /** What the desktop shows: `needs_evidence` for a partial or implemented control without it. */
  state: ControlState;
  requirements: MappedRequirement[];
  /** Evidence current at the time of the read, and the soonest expiry among it. */
  currentEvidence: number;
  nextExpiry: Date | null;
  createdAt: Date;
  updatedAt: Date;
};

/** A mapping as callers give it: the framework's key and the requirement's identifier. */
export type RequirementRef = { framework: string; ref: string };

/**
 * The reads of a control, with its mappings and evidence counted at $2 (now). One statement
 * for one control or the list, so both read the same.
 */
export const CONTROL_SELECT = `SELECT c.id::text, c.title, c.description, c.owner_id::text, c.status,
    c.created_at, c.updated_at,
    coalesce((SELECT jsonb_agg(jsonb_build_object('id', r.id, 'framework', f.key, 'ref', r.ref, 'title', r.title)
                ORDER BY f.key, r.position)
              FROM control_requirements cr JOIN framework_requirements r ON r.id = cr.requirement_id
              JOIN frameworks f ON f.id = r.framework_id WHERE cr.control_id = c.id), '[]') AS requirements,
    (SELECT count(*) FROM evidence e WHERE e.control_id = c.id AND e.effective_at <= $2
       AND (e.expires_at IS NULL OR e.expires_at > $2))::int AS current_evidence,
    (SELECT min(e.expires_at) FROM evidence e WHERE e.control_id = c.id AND e.effective_at <= $2
       AND e.expires_at > $2) AS next_expiry
  FROM controls c`;

export type ControlRow = {
  id: string;
  title: string;
  description: string;
  owner_id: string | null;
  status: ControlStatus;
  created_at: Date;
  updated_at: Date;
  requirements: MappedRequirement[];
  current_evidence: number;
  next_expiry: Date | null;
};

/**
 * The row as returned. needsEvidence is read from the evidence dates at the read's `now`, not
 * from the stored flag: the flag (and its event) follows the evidence job, which may be up to an
 * hour behind the clock, and a reader should not see expired evidence counted as current.
 */
export function toControl(r: ControlRow): Control {
  const needsEvidence = r.current_evidence === 0;
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    ownerId: r.owner_id,
    status: r.status,
    needsEvidence,
    state: controlState(r.status, needsEvidence),
    requirements: r.requirements,
    currentEvidence: r.current_evidence,
    nextExpiry: r.next_expiry === null ? null : new Date(r.next_expiry),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** One control read at `now`, or a `not_found` refusal. */
export async function readControl(tx: WorkspaceTx, id: string, now: Date): Promise<Control> {
  const { rows } = await tx.query<ControlRow>(`${CONTROL_SELECT} WHERE c.workspace_id = $1 AND c.id = $3`, [
    tx.workspaceId,
    now,
    id,
  ]);
  const row = rows[0];
  if (!row) throw noControl(id);
  return toControl(row);
}

export const noControl = (id: string) =>
  new ActionRefused('not_found', `id: no control ${id} in this workspace`);

/**
 * The requirement ids of `refs`, each checked: the framework exists in the workspace, the
 * identifier is one of its requirements, and a leaf (a CSF subcategory, not a function or a
 * category). Refuses naming `requirements.<i>.framework` or `.ref`.
 */
export async function resolveRequirements(tx: WorkspaceTx, refs: RequirementRef[]): Promise<string[]> {
  const { rows } = await tx.query<{
    i: number;
    framework_found: boolean;
    id: string | null;
    leaf: boolean | null;
    child: string | null;
  }>(
    `SELECT q.i, f.id IS NOT NULL AS framework_found, r.id::text, r.leaf,
       (SELECT c.ref FROM framework_requirements c WHERE c.framework_id = r.framework_id AND c.parent_ref = r.ref
        ORDER BY c.position LIMIT 1) AS child
     FROM jsonb_to_recordset($2::jsonb) AS q(i int, framework text, ref text)
     LEFT JOIN frameworks f ON f.workspace_id = $1 AND f.key = q.framework
     LEFT JOIN framework_requirements r ON r.framework_id = f.id AND r.ref = q.ref
     ORDER BY q.i`,
    [tx.workspaceId, JSON.stringify(refs.map((r, i) => ({ i, framework: r.framework, ref: r.ref })))],
  );
  const ids: string[] = [];
  for (const row of rows) {
    const ref = refs[row.i]!;
    if (!row.framework_found)
      throw invalidField(
        ['requirements', row.i, 'framework'],
        `no framework "${ref.framework}" in this workspace`,
      );
    if (row.id === null)
      throw invalidField(
        ['requirements', row.i, 'ref'],
        `"${ref.ref}" is not a requirement of ${ref.framework}`,
      );
    if (!row.leaf)
      throw invalidField(
        ['requirements', row.i, 'ref'],
        `"${ref.ref}" groups other requirements; map the control to those${row.child ? `, such as ${row.child}` : ''}`,
      );
    ids.push(row.id);
  }
  return [...new Set(ids)];
}

/** Replaces a control's mappings with `requirementIds` (the rows that stay are left alone). */
export async function replaceMappings(
  tx: WorkspaceTx,
  controlId: string,
  requirementIds: string[],
): Promise<void> {
  await tx.query(
    'DELETE FROM control_requirements WHERE workspace_id = $1 AND control_id = $2 AND NOT (requirement_id = ANY($3::uuid[]))',
    [tx.workspaceId, controlId, requirementIds],
  );
  await tx.query(
    `INSERT INTO control_requirements (workspace_id, control_id, requirement_id)
     SELECT $1, $2, unnest($3::uuid[]) ON CONFLICT DO NOTHING`,
    [tx.workspaceId, controlId, requirementIds],
  );
}
