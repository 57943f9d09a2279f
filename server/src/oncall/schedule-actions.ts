import type { LayerInput, OverrideInput } from '@vigilo/shared/oncall';
import type { Actor, WorkspaceTx } from '../db/tx.ts';
import { ActionRefused, invalidField } from '../domain-errors.ts';
import { actorRef } from '../monitoring/alerts/alert-actions.ts';
import { requireMember } from '../workspaces/member-check.ts';

/**
 * Making and changing on-call schedules, written once for the `schedules.*` procedures. Each
 * change writes its audit row and event in the caller's transaction; a refusal names the field
 * and, thrown inside that transaction, leaves nothing stored. Who is on call is computed, never
 * stored (schedule-views.ts with shared/src/rotation.ts).
 */

const noSchedule = () => new ActionRefused('not_found', 'scheduleId: no such schedule in this workspace');

/** Locks the schedule for the transaction, or refuses when it is not this workspace's. */
export async function lockSchedule(tx: WorkspaceTx, id: string): Promise<{ id: string; name: string }> {
  const { rows } = await tx.query<{ id: string; name: string }>(
    'SELECT id, name FROM schedules WHERE id = $1 FOR UPDATE',
    [id],
  );
  const row = rows[0];
  if (!row) throw noSchedule();
  return row;
}

/** Whoever is in a rotation or covers one must be a current member (any role: viewers get paged too). */
async function requireMembers(tx: WorkspaceTx, ids: readonly string[], field: string, now: Date) {
  for (const [i, userId] of ids.entries())
    await requireMember(tx, { userId, field: [field, i], now, permission: 'read' });
}

/** Creates a schedule, with its first layers when given (a weekly rotation in one step). */
export async function createSchedule(
  tx: WorkspaceTx,
  input: { name: string; description: string; layers: LayerInput[]; actor: Actor; now: Date },
): Promise<{ id: string; layerIds: string[] }> {
  for (const [i, layer] of input.layers.entries())
    await requireMembers(tx, layer.memberIds, `layers.${i}.memberIds`, input.now);
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO schedules (workspace_id, name, description, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $4) ON CONFLICT (workspace_id, name) DO NOTHING RETURNING id`,
    [tx.workspaceId, input.name, input.description, input.now],
  );
  const id = rows[0]?.id;
  if (!id) throw invalidField(['name'], 'is already used by another schedule');
  const layerIds: string[] = [];
  for (const layer of input.layers) layerIds.push(await insertLayer(tx, id, layer, input.now));
  await tx.record({
    action: 'schedule.created',
    target: { type: 'schedule', id },
    summary: { after: { name: input.name, layers: input.layers.length } },
    event: 'schedule.created',
    payload: { scheduleId: id, name: input.name, by: actorRef(input.actor) },
  });
  return { id, layerIds };
}

/** Renames or re-describes a schedule. */
export async function updateSchedule(
  tx: WorkspaceTx,
  input: { id: string; name?: string | undefined; description?: string | undefined; now: Date },
): Promise<{ id: string }> {
  const before = await lockSchedule(tx, input.id);
  const clash = input.name
    ? await tx.query('SELECT 1 FROM schedules WHERE name = $1 AND id <> $2', [input.name, input.id])
    : { rowCount: 0 };
  if (clash.rowCount) throw invalidField(['name'], 'is already used by another schedule');
  await tx.query(
    `UPDATE schedules SET name = coalesce($2, name), description = coalesce($3, description), updated_at = $4 WHERE id = $1`,
    [input.id, input.name ?? null, input.description ?? null, input.now],
  );
  await tx.record({
    action: 'schedule.updated',
    target: { type: 'schedule', id: input.id },
    summary: {
      before: { name: before.name },
      after: { name: input.name ?? before.name, description: input.description },
    },
    event: 'schedule.updated',
    payload: { scheduleId: input.id, name: input.name ?? before.name },
  });
  return { id: input.id };
}

/** Removes a schedule with its layers and overrides; policy steps naming it then page nobody there. */
export async function removeSchedule(tx: WorkspaceTx, id: string): Promise<{ id: string }> {
  const before = await lockSchedule(tx, id);
  await tx.query('DELETE FROM schedules WHERE id = $1', [id]);
  await tx.record({
    action: 'schedule.removed',
    target: { type: 'schedule', id },
    summary: { before: { name: before.name } },
    event: 'schedule.removed',
    payload: { scheduleId: id, name: before.name },
  });
  return { id };
}

async function insertLayer(
  tx: WorkspaceTx,
  scheduleId: string,
  layer: LayerInput,
  now: Date,
): Promise<string> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO schedule_layers (workspace_id, schedule_id, name, level, member_ids, length_kind, length_hours,
       handoff_time, time_zone, starts_at, ends_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id`,
    [
      tx.workspaceId,
      scheduleId,
      layer.name,
      layer.level,
      layer.memberIds,
      layer.length.kind,
      layer.length.kind === 'hours' ? layer.length.hours : null,
      layer.handoffTime,
      layer.timeZone,
      layer.startsAt,
      layer.endsAt,
      now,
    ],
  );
  const id = rows[0]?.id;
  if (!id) throw new Error('layer insert returned no id');
  return id;
}

/** Adds a rotation layer to a schedule. */
export async function addLayer(
  tx: WorkspaceTx,
  input: { scheduleId: string; layer: LayerInput; now: Date },
): Promise<{ id: string }> {
  await lockSchedule(tx, input.scheduleId);
  await requireMembers(tx, input.layer.memberIds, 'memberIds', input.now);
  const id = await insertLayer(tx, input.scheduleId, input.layer, input.now);
  await touchSchedule(tx, input.scheduleId, input.now, 'layer_added', {
    layerId: id,
    ...layerSummary(input.layer),
  });
  return { id };
}

/** Replaces a layer's rotation (members, length, hand-off, zone, dates). */
export async function updateLayer(
  tx: WorkspaceTx,
  input: { id: string; layer: LayerInput; now: Date },
): Promise<{ id: string }> {
  const found = await tx.query<{ schedule_id: string }>(
    'SELECT schedule_id FROM schedule_layers WHERE id = $1 FOR UPDATE',
    [input.id],
  );
  const scheduleId = found.rows[0]?.schedule_id;
  if (!scheduleId) throw new ActionRefused('not_found', 'id: no such layer in this workspace');
  await requireMembers(tx, input.layer.memberIds, 'memberIds', input.now);
  const l = input.layer;
  await tx.query(
    `UPDATE schedule_layers SET name = $2, level = $3, member_ids = $4, length_kind = $5, length_hours = $6,
       handoff_time = $7, time_zone = $8, starts_at = $9, ends_at = $10, updated_at = $11 WHERE id = $1`,
    [
      input.id,
      l.name,
      l.level,
      l.memberIds,
      l.length.kind,
      l.length.kind === 'hours' ? l.length.hours : null,
      l.handoffTime,
      l.timeZone,
      l.startsAt,
      l.endsAt,
      input.now,
    ],
  );
  await touchSchedule(tx, scheduleId, input.now, 'layer_updated', { layerId: input.id, ...layerSummary(l) });
  return { id: input.id };
}

/** Removes a layer. */
export async function removeLayer(
  tx: WorkspaceTx,
  input: { id: string; now: Date },
): Promise<{ id: string }> {
  const { rows } = await tx.query<{ schedule_id: string }>(
    'DELETE FROM schedule_layers WHERE id = $1 RETURNING schedule_id',
    [input.id],
  );
  const scheduleId = rows[0]?.schedule_id;
  if (!scheduleId) throw new ActionRefused('not_found', 'id: no such layer in this workspace');
  await touchSchedule(tx, scheduleId, input.now, 'layer_removed', { layerId: input.id });
  return { id: input.id };
}

function layerSummary(l: LayerInput) {
  return {
    name: l.name,
    level: l.level,
    memberIds: l.memberIds,
    length: l.length,
    handoffTime: l.handoffTime,
    timeZone: l.timeZone,
    startsAt: l.startsAt.toISOString(),
    endsAt: l.endsAt?.toISOString() ?? null,
  };
}

async function touchSchedule(
  tx: WorkspaceTx,
  scheduleId: string,
  now: Date,
  change: string,
  detail: Record<string, unknown>,
): Promise<void> {
  await tx.query('UPDATE schedules SET updated_at = $2 WHERE id = $1', [scheduleId, now]);
  await tx.record({
    action: `schedule.${change}`,
    target: { type: 'schedule', id: scheduleId },
    summary: { after: detail },
    event: 'schedule.updated',
    payload: { scheduleId, change, ...detail },
  });
}

/** Someone covers a range of a schedule (for a colleague, say). */
export async function addOverride(
  tx: WorkspaceTx,
  input: { scheduleId: string; override: OverrideInput; actor: Actor; now: Date },
): Promise<{ id: string }> {
  await lockSchedule(tx, input.scheduleId);
  const o = input.override;
  await requireMember(tx, { userId: o.userId, field: ['userId'], now: input.now, permission: 'read' });
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO schedule_overrides (workspace_id, schedule_id, user_id, starts_at, ends_at, reason, created_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [
      tx.workspaceId,
      input.scheduleId,
      o.userId,
      o.startsAt,
      o.endsAt,
      o.reason,
      actorRef(input.actor),
      input.now,
    ],
  );
  const id = rows[0]?.id ?? '';
  const detail = {
    overrideId: id,
    scheduleId: input.scheduleId,
    userId: o.userId,
    startsAt: o.startsAt.toISOString(),
    endsAt: o.endsAt.toISOString(),
    reason: o.reason,
  };
  await tx.record({
    action: 'schedule.override_added',
    target: { type: 'schedule', id: input.scheduleId },
    summary: { after: detail },
    event: 'schedule.override_added',
    payload: detail,
  });
  return { id };
}

/** Withdraws an override. */
export async function removeOverride(tx: WorkspaceTx, input: { id: string }): Promise<{ id: string }> {
  const { rows } = await tx.query<{ schedule_id: string; user_id: string }>(
    'DELETE FROM schedule_overrides WHERE id = $1 RETURNING schedule_id, user_id',
    [input.id],
  );
  const row = rows[0];
  if (!row) throw new ActionRefused('not_found', 'id: no such override in this workspace');
  const detail = { overrideId: input.id, scheduleId: row.schedule_id, userId: row.user_id };
  await tx.record({
    action: 'schedule.override_removed',
    target: { type: 'schedule', id: row.schedule_id },
    summary: { before: detail },
    event: 'schedule.override_removed',
    payload: detail,
  });
  return { id: input.id };
}
