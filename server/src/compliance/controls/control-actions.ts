import type { ControlStatus } from '@vigilo/shared/frameworks';
import type { WorkspaceTx } from '../../db/tx.ts';
import { requireMember } from '../../workspaces/member-check.ts';
import {
  type Control,
  noControl,
  readControl,
  type RequirementRef,
  replaceMappings,
  resolveRequirements,
} from './control-records.ts';

/**
 * Creating, changing and removing the workspace's controls (`controls.create/update/remove`).
 * Each writes its audit row and event in the caller's transaction; a refused field leaves
 * everything as it was, because the checks run before the first write.
 */

export type ControlPatch = {
  title?: string | undefined;
  description?: string | undefined;
  ownerId?: string | null | undefined;
  status?: ControlStatus | undefined;
  requirements?: RequirementRef[] | undefined;
};

/** A control's owner answers for it: a current member who may operate (not a viewer). */
const requireOwner = (tx: WorkspaceTx, userId: string, now: Date) =>
  requireMember(tx, { userId, field: ['ownerId'], now });

const payloadOf = (c: Control) => ({
  id: c.id,
  title: c.title,
  status: c.status,
  state: c.state,
  ownerId: c.ownerId,
  requirements: c.requirements.map((r) => `${r.framework}:${r.ref}`),
});

/** Records a control with its mappings. It has no evidence yet, so it needs evidence. */
export async function createControl(
  tx: WorkspaceTx,
  input: { fields: ControlPatch & { title: string; requirements: RequirementRef[] }; now: Date },
): Promise<Control> {
  const f = input.fields;
  const requirementIds = await resolveRequirements(tx, f.requirements);
  if (f.ownerId) await requireOwner(tx, f.ownerId, input.now);
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO controls (workspace_id, title, description, owner_id, status, needs_evidence, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, true, $6, $6) RETURNING id::text`,
    [
      tx.workspaceId,
      f.title,
      f.description ?? '',
      f.ownerId ?? null,
      f.status ?? 'not_implemented',
      input.now,
    ],
  );
  const id = rows[0]!.id;
  await replaceMappings(tx, id, requirementIds);
  const control = await readControl(tx, id, input.now);
  await tx.record({
    action: 'control.created',
    target: { type: 'control', id },
    summary: { after: payloadOf(control) },
    event: 'control.created',
    payload: payloadOf(control),
  });
  return control;
}

/** Changes the fields given; `requirements`, when given, replaces the mappings. */
export async function updateControl(
  tx: WorkspaceTx,
  input: { id: string; patch: ControlPatch; now: Date },
): Promise<Control> {
  const locked = await tx.query<{ owner_id: string | null }>(
    'SELECT owner_id::text FROM controls WHERE workspace_id = $1 AND id = $2 FOR UPDATE',
    [tx.workspaceId, input.id],
  );
  const prevRow = locked.rows[0];
  if (!prevRow) throw noControl(input.id);
  const before = await readControl(tx, input.id, input.now);
  const p = input.patch;
  const requirementIds = p.requirements ? await resolveRequirements(tx, p.requirements) : undefined;
  if (p.ownerId && p.ownerId !== prevRow.owner_id) await requireOwner(tx, p.ownerId, input.now);
  await tx.query(
    `UPDATE controls SET title = $3, description = $4, owner_id = $5, status = $6, updated_at = $7
     WHERE workspace_id = $1 AND id = $2`,
    [
      tx.workspaceId,
      input.id,
      p.title ?? before.title,
      p.description ?? before.description,
      p.ownerId === undefined ? before.ownerId : p.ownerId,
      p.status ?? before.status,
      input.now,
    ],
  );
  if (requirementIds) await replaceMappings(tx, input.id, requirementIds);
  const after = await readControl(tx, input.id, input.now);
  await tx.record({
    action: 'control.updated',
    target: { type: 'control', id: input.id },
    summary: { before: payloadOf(before), after: payloadOf(after) },
    event: 'control.updated',
    payload: payloadOf(after),
  });
  return after;
}

/** Removes a control with its mappings and evidence (files included). */
export async function removeControl(
  tx: WorkspaceTx,
  input: { id: string; now: Date },
): Promise<{ id: string }> {
  const before = await readControl(tx, input.id, input.now);
  await tx.query('DELETE FROM controls WHERE workspace_id = $1 AND id = $2', [tx.workspaceId, input.id]);
  await tx.record({
    action: 'control.removed',
    target: { type: 'control', id: input.id },
    summary: { before: payloadOf(before) },
    event: 'control.removed',
    payload: { id: input.id, title: before.title },
  });
  return { id: input.id };
}
