import type { WorkspaceTx } from '../../db/tx.ts';
import { ActionRefused, invalidField } from '../../domain-errors.ts';

const DAY_MS = 86_400_000;

export type MaintenanceWindow = {
  name: string;
  hostIds: string[];
  tags: string[];
  startsAt: Date;
  endsAt: Date;
  /** Repeats every N days from `startsAt`; absent: once. */
  repeatDays?: number | undefined;
  /** The approved change whose planned window this is (reliability/change-maintenance.ts keeps it). */
  changeId?: string | undefined;
};

/**
 * Schedules a maintenance window for hosts and/or tags: while it is open the rule engine opens
 * no alert on the hosts it covers. The input schema has checked the window's shape (ends after
 * it starts, covers something); the hosts must be this workspace's, and a repeating window must
 * close before it repeats.
 */
export async function scheduleMaintenance(tx: WorkspaceTx, w: MaintenanceWindow): Promise<{ id: string }> {
  if (w.repeatDays !== undefined && w.endsAt.getTime() - w.startsAt.getTime() >= w.repeatDays * DAY_MS)
    throw invalidField(['repeatDays'], 'a repeating window must be shorter than its repeat period');
  await assertHostsHere(tx, w.hostIds);
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO maintenance_windows (workspace_id, name, host_ids, tags, starts_at, ends_at, repeat_days, change_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [
      tx.workspaceId,
      w.name,
      w.hostIds,
      w.tags,
      w.startsAt,
      w.endsAt,
      w.repeatDays ?? null,
      w.changeId ?? null,
    ],
  );
  const id = rows[0]?.id ?? '';
  await tx.record({
    action: 'maintenance.created',
    target: { type: 'maintenance_window', id },
    summary: {
      after: {
        name: w.name,
        hostIds: w.hostIds,
        tags: w.tags,
        startsAt: w.startsAt,
        endsAt: w.endsAt,
        repeatDays: w.repeatDays ?? null,
        changeId: w.changeId ?? null,
      },
    },
    event: 'maintenance.created',
    payload: { id, name: w.name },
  });
  return { id };
}

/** A maintenance window as the API lists it. */
export type MaintenanceWindowView = {
  id: string;
  name: string;
  hostIds: string[];
  tags: string[];
  startsAt: Date;
  endsAt: Date;
  repeatDays: number | null;
  createdAt: Date;
  /** True while the window (or its current repetition) is open at the time asked about. */
  inForce: boolean;
  /** The approved change that opened it, which moves and removes it (not editable here). */
  changeId: string | null;
};

type WindowRow = {
  id: string;
  name: string;
  host_ids: string[];
  tags: string[];
  starts_at: Date;
  ends_at: Date;
  repeat_days: number | null;
  created_at: Date;
  change_id: string | null;
};

/** Whether a window covers `now`: the rule engine's test (rule-engine.ts suppressedPairs), in code. */
function inForce(w: WindowRow, now: Date): boolean {
  const since = now.getTime() - w.starts_at.getTime();
  if (since < 0) return false;
  const length = w.ends_at.getTime() - w.starts_at.getTime();
  return w.repeat_days === null ? since < length : since % (w.repeat_days * DAY_MS) < length;
}

const view = (w: WindowRow, now: Date): MaintenanceWindowView => ({
  id: w.id,
  name: w.name,
  hostIds: w.host_ids,
  tags: w.tags,
  startsAt: w.starts_at,
  endsAt: w.ends_at,
  repeatDays: w.repeat_days,
  createdAt: w.created_at,
  inForce: inForce(w, now),
  changeId: w.change_id,
});

/**
 * The windows that still matter at `now`: one-off windows not over yet and every repeating one
 * (it never ends); with `ended`, the finished one-off windows too. Earliest start first.
 */
export async function listMaintenanceWindows(
  tx: WorkspaceTx,
  now: Date,
  ended = false,
): Promise<MaintenanceWindowView[]> {
  const { rows } = await tx.query<WindowRow>(
    `SELECT id, name, host_ids, tags, starts_at, ends_at, repeat_days, created_at, change_id FROM maintenance_windows
     WHERE $1 OR repeat_days IS NOT NULL OR ends_at > $2 ORDER BY starts_at, id`,
    [ended, now],
  );
  return rows.map((w) => view(w, now));
}

/** An edit of a window: the fields given replace the stored ones; `repeatDays: null` makes it one-off. */
export type MaintenancePatch = {
  id: string;
  name?: string | undefined;
  hostIds?: string[] | undefined;
  tags?: string[] | undefined;
  startsAt?: Date | undefined;
  endsAt?: Date | undefined;
  repeatDays?: number | null | undefined;
};

/**
 * Edits a window. The result is checked as a whole (the patch alone cannot tell): it ends after
 * it starts, covers a host or a tag, every host is one of this workspace's, and a repeating
 * window is shorter than its period (else it would never close). Each refusal names its field.
 */
export async function updateMaintenanceWindow(
  tx: WorkspaceTx,
  patch: MaintenancePatch,
  now: Date,
): Promise<MaintenanceWindowView> {
  const before = await lockWindow(tx, patch.id);
  const after = {
    name: patch.name ?? before.name,
    hostIds: patch.hostIds ?? before.host_ids,
    tags: patch.tags ?? before.tags,
    startsAt: patch.startsAt ?? before.starts_at,
    endsAt: patch.endsAt ?? before.ends_at,
    repeatDays: patch.repeatDays === undefined ? before.repeat_days : patch.repeatDays,
  };
  if (after.endsAt <= after.startsAt) throw invalidField(['endsAt'], 'endsAt must be after startsAt');
  if (after.hostIds.length + after.tags.length === 0)
    throw invalidField(['hostIds'], 'cover at least one host or tag');
  if (
    after.repeatDays !== null &&
    after.endsAt.getTime() - after.startsAt.getTime() >= after.repeatDays * DAY_MS
  )
    throw invalidField(['repeatDays'], 'a repeating window must be shorter than its repeat period');
  await assertHostsHere(tx, after.hostIds);
  const { rows } = await tx.query<WindowRow>(
    `UPDATE maintenance_windows SET name = $2, host_ids = $3, tags = $4, starts_at = $5, ends_at = $6, repeat_days = $7
     WHERE id = $1 RETURNING id, name, host_ids, tags, starts_at, ends_at, repeat_days, created_at, change_id`,
    [before.id, after.name, after.hostIds, after.tags, after.startsAt, after.endsAt, after.repeatDays],
  );
  const row = rows[0] as WindowRow;
  await tx.record({
    action: 'maintenance.updated',
    target: { type: 'maintenance_window', id: row.id },
    summary: { before: summaryOf(before), after: summaryOf(row) },
    event: 'maintenance.updated',
    payload: { id: row.id, name: row.name },
  });
  return view(row, now);
}

/** Cancels a window (it is deleted: the audit row keeps what it was). */
export async function cancelMaintenanceWindow(tx: WorkspaceTx, id: string): Promise<{ id: string }> {
  const before = await lockWindow(tx, id);
  await tx.query('DELETE FROM maintenance_windows WHERE id = $1', [id]);
  await tx.record({
    action: 'maintenance.cancelled',
    target: { type: 'maintenance_window', id },
    summary: { before: summaryOf(before) },
    event: 'maintenance.cancelled',
    payload: { id, name: before.name },
  });
  return { id };
}

/**
 * Removes the window a change owns, when the change no longer covers it (withdrawn, cancelled,
 * re-planned): the one way a change's window goes, as cancelMaintenanceWindow refuses those.
 */
export async function removeChangeMaintenance(
  tx: WorkspaceTx,
  changeId: string,
): Promise<string | undefined> {
  const { rows } = await tx.query<WindowRow>(
    `DELETE FROM maintenance_windows WHERE change_id = $1
     RETURNING id, name, host_ids, tags, starts_at, ends_at, repeat_days, created_at, change_id`,
    [changeId],
  );
  const before = rows[0];
  if (!before) return undefined;
  await tx.record({
    action: 'maintenance.cancelled',
    target: { type: 'maintenance_window', id: before.id },
    summary: { before: { ...summaryOf(before), changeId } },
    event: 'maintenance.cancelled',
    payload: { id: before.id, name: before.name, changeId },
  });
  return before.id;
}

async function lockWindow(tx: WorkspaceTx, id: string): Promise<WindowRow> {
  const { rows } = await tx.query<WindowRow>(
    `SELECT id, name, host_ids, tags, starts_at, ends_at, repeat_days, created_at, change_id FROM maintenance_windows
     WHERE id = $1 FOR UPDATE`,
    [id],
  );
  const row = rows[0];
  if (!row) throw new ActionRefused('not_found', 'no such maintenance window in this workspace');
  // The change keeps its window in step with its plan (migration 0018): an edit here would be undone.
  if (row.change_id)
    throw new ActionRefused(
      'conflict',
      'this window belongs to a change: re-plan or withdraw the change instead',
    );
  return row;
}

/**
 * Refuses, naming the entry, a host id that is not one of this workspace's hosts (row security
 * makes another workspace's host and a made-up id look the same).
 */
export async function assertHostsHere(tx: WorkspaceTx, hostIds: string[]): Promise<void> {
  if (hostIds.length === 0) return;
  const { rows } = await tx.query<{ id: string }>('SELECT id FROM hosts WHERE id = ANY($1) FOR SHARE', [
    hostIds,
  ]);
  const found = new Set(rows.map((r) => r.id));
  const missing = hostIds.findIndex((h) => !found.has(h));
  if (missing >= 0) throw invalidField(['hostIds', missing], 'no such host in this workspace');
}

function summaryOf(w: WindowRow): Record<string, unknown> {
  return {
    name: w.name,
    hostIds: w.host_ids,
    tags: w.tags,
    startsAt: w.starts_at,
    endsAt: w.ends_at,
    repeatDays: w.repeat_days,
  };
}
