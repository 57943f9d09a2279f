import type { FreezeWindowInput, FreezeWindowPatch } from '@vigilo/shared/change-calendar';
import type { Actor, WorkspaceTx } from '../db/tx.ts';
import { ActionRefused, invalidField } from '../domain-errors.ts';
import { refreshCollisionsWithin } from './collisions.ts';
import type { FreezeWindowRow } from './freeze-lookup.ts';

/**
 * Freeze windows: periods when no change may be scheduled, workspace-wide or for the hosts (and
 * changes) carrying one of their tags. Scheduling inside one is refused unless the change is an
 * emergency (schedule-checks.ts); a window laid over changes already planned shows on them as a
 * collision, re-checked here whenever a window is added, moved or removed.
 */

/** A freeze window as the API returns it. */
export function freezeWindowView(r: FreezeWindowRow) {
  return {
    id: r.id,
    name: r.name,
    reason: r.reason,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    tags: r.tags,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
export type FreezeWindow = ReturnType<typeof freezeWindowView>;

/** Windows not over at `now` (or every one with `ended`), earliest first. */
export async function listFreezeWindows(tx: WorkspaceTx, now: Date, ended: boolean): Promise<FreezeWindow[]> {
  const { rows } = await tx.query<FreezeWindowRow>(
    `SELECT * FROM freeze_windows ${ended ? '' : 'WHERE ends_at > $1'} ORDER BY starts_at, id`,
    ended ? [] : [now],
  );
  return rows.map(freezeWindowView);
}

/** The changes whose collisions a window's move touched, by id and title. */
type Touched = Array<{ id: string; title: string }>;

export async function createFreezeWindow(
  tx: WorkspaceTx,
  input: FreezeWindowInput,
  actor: Actor,
  now: Date,
): Promise<FreezeWindow & { changesInside: Touched }> {
  const { rows } = await tx.query<FreezeWindowRow>(
    `INSERT INTO freeze_windows (workspace_id, name, reason, starts_at, ends_at, tags, created_by, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING *`,
    [tx.workspaceId, input.name, input.reason, input.startsAt, input.endsAt, input.tags, actor.id, now],
  );
  const row = rows[0] as FreezeWindowRow;
  await tx.record({
    action: 'freeze_window.created',
    target: { type: 'freeze_window', id: row.id },
    summary: { after: summaryOf(row) },
    event: 'freeze_window.created',
    payload: { freezeWindowId: row.id, name: row.name, startsAt: row.starts_at, endsAt: row.ends_at },
  });
  const changesInside = await refreshCollisionsWithin(tx, [span(row)], now);
  return { ...freezeWindowView(row), changesInside };
}

/** Edits a window; the changes planned in its old or new span are checked again. */
export async function updateFreezeWindow(
  tx: WorkspaceTx,
  patch: FreezeWindowPatch,
  now: Date,
): Promise<FreezeWindow & { changesInside: Touched }> {
  const before = await lockWindow(tx, patch.id);
  const startsAt = patch.startsAt ?? before.starts_at;
  const endsAt = patch.endsAt ?? before.ends_at;
  if (endsAt <= startsAt) throw invalidField(['endsAt'], 'endsAt must be after startsAt');
  const { rows } = await tx.query<FreezeWindowRow>(
    `UPDATE freeze_windows SET name = $2, reason = $3, starts_at = $4, ends_at = $5, tags = $6, updated_at = $7
     WHERE id = $1 RETURNING *`,
    [
      before.id,
      patch.name ?? before.name,
      patch.reason ?? before.reason,
      startsAt,
      endsAt,
      patch.tags ?? before.tags,
      now,
    ],
  );
  const row = rows[0] as FreezeWindowRow;
  await tx.record({
    action: 'freeze_window.updated',
    target: { type: 'freeze_window', id: row.id },
    summary: { before: summaryOf(before), after: summaryOf(row) },
    event: 'freeze_window.updated',
    payload: { freezeWindowId: row.id, name: row.name, startsAt: row.starts_at, endsAt: row.ends_at },
  });
  const changesInside = await refreshCollisionsWithin(tx, [span(before), span(row)], now);
  return { ...freezeWindowView(row), changesInside };
}

/** Removes a window; the changes it covered lose that collision (each with its audit row). */
export async function removeFreezeWindow(
  tx: WorkspaceTx,
  id: string,
  now: Date,
): Promise<{ id: string; changesTouched: Touched }> {
  const before = await lockWindow(tx, id);
  await tx.query('DELETE FROM freeze_windows WHERE id = $1', [id]);
  await tx.record({
    action: 'freeze_window.removed',
    target: { type: 'freeze_window', id },
    summary: { before: summaryOf(before) },
    event: 'freeze_window.removed',
    payload: { freezeWindowId: id, name: before.name },
  });
  return { id, changesTouched: await refreshCollisionsWithin(tx, [span(before)], now) };
}

async function lockWindow(tx: WorkspaceTx, id: string): Promise<FreezeWindowRow> {
  const { rows } = await tx.query<FreezeWindowRow>('SELECT * FROM freeze_windows WHERE id = $1 FOR UPDATE', [
    id,
  ]);
  const row = rows[0];
  if (!row) throw new ActionRefused('not_found', 'no such freeze window in this workspace');
  return row;
}

const span = (w: FreezeWindowRow) => ({ start: w.starts_at, end: w.ends_at });

function summaryOf(w: FreezeWindowRow): Record<string, unknown> {
  return { name: w.name, reason: w.reason, startsAt: w.starts_at, endsAt: w.ends_at, tags: w.tags };
}
