import { type ChangeState, isFinal } from '@vigilo/shared/change-states';
import type { CollisionKind } from '@vigilo/shared/change-calendar';
import type { WorkspaceTx } from '../db/tx.ts';
import type { ChangeRow } from './change-records.ts';
import { type CollisionFinding, findCollisions, OPEN_STATES, overlapReason } from './collision-detect.ts';

/**
 * The collisions stored on each change: found again whenever its plan moves (created, edited,
 * scheduled) and kept as rows the API lists and desktops replicate. An overlap is symmetric, so
 * it is stored on both changes and kept in step from either side. Only what differs is written:
 * every change whose collisions differ gets one audit row and one event saying what it has now.
 */

/** A collision as the API returns it. */
export type Collision = {
  id: string;
  kind: CollisionKind;
  reason: string;
  otherChangeId: string | null;
  hostId: string | null;
  freezeWindowId: string | null;
  detectedAt: Date;
};

type CollisionRow = {
  id: string;
  change_id: string;
  kind: CollisionKind;
  reason: string;
  other_change_id: string | null;
  host_id: string | null;
  freeze_window_id: string | null;
  detected_at: Date;
};

type Wanted = CollisionFinding & { changeId: string };

const view = (r: CollisionRow): Collision => ({
  id: r.id,
  kind: r.kind,
  reason: r.reason,
  otherChangeId: r.other_change_id,
  hostId: r.host_id,
  freezeWindowId: r.freeze_window_id,
  detectedAt: r.detected_at,
});

/** What makes two collisions the same one: everything but the id and when it was found. */
const keyOf = (c: {
  changeId: string;
  kind: string;
  reason: string;
  otherChangeId: string | null;
  hostId: string | null;
  freezeWindowId: string | null;
}) => JSON.stringify([c.changeId, c.kind, c.reason, c.otherChangeId, c.hostId, c.freezeWindowId]);
const rowKey = (r: CollisionRow) =>
  keyOf({
    changeId: r.change_id,
    kind: r.kind,
    reason: r.reason,
    otherChangeId: r.other_change_id,
    hostId: r.host_id,
    freezeWindowId: r.freeze_window_id,
  });

/** The stored collisions of some changes, by change id (each list in the order found). */
export async function collisionsOf(
  tx: WorkspaceTx,
  changeIds: readonly string[],
): Promise<Map<string, Collision[]>> {
  const byChange = new Map<string, Collision[]>(changeIds.map((id) => [id, []]));
  if (changeIds.length === 0) return byChange;
  const { rows } = await tx.query<CollisionRow>(
    'SELECT * FROM change_collisions WHERE change_id = ANY($1::uuid[]) ORDER BY detected_at, kind, reason, id',
    [changeIds],
  );
  for (const r of rows) byChange.get(r.change_id)?.push(view(r));
  return byChange;
}

/**
 * Finds a change's collisions again and stores them, with the other side of each overlap. A
 * change that reached a final state keeps its own (its history) and leaves the others: a change
 * that is over no longer overlaps anything. Returns the change's collisions now.
 */
export async function refreshCollisions(tx: WorkspaceTx, change: ChangeRow, now: Date): Promise<Collision[]> {
  const final = isFinal(change.state as ChangeState);
  const own = final ? [] : await findCollisions(tx, change);
  const wanted: Wanted[] = own.map((f) => ({ ...f, changeId: change.id }));
  if (!final) {
    for (const f of own) {
      if (f.kind !== 'host_overlap' || !f.otherChangeId || !change.planned_start || !change.planned_end)
        continue;
      // The other side, worded as the other change would find it.
      wanted.push({
        ...f,
        changeId: f.otherChangeId,
        otherChangeId: change.id,
        reason: overlapReason(
          { title: change.title, planned_start: change.planned_start, planned_end: change.planned_end },
          f.sharedHostnames ?? [],
        ),
      });
    }
  }
  const { rows: existing } = await tx.query<CollisionRow>(
    final
      ? "SELECT * FROM change_collisions WHERE other_change_id = $1 AND change_id <> $1 AND kind = 'host_overlap'"
      : "SELECT * FROM change_collisions WHERE change_id = $1 OR (other_change_id = $1 AND kind = 'host_overlap')",
    [change.id],
  );
  await applyDiff(tx, existing, wanted, change, now);
  return (await collisionsOf(tx, [change.id])).get(change.id) ?? [];
}

/**
 * Checks again every open change planned across any of these spans (a freeze window was added,
 * moved or removed). Returns the changes whose collisions differ now.
 */
export async function refreshCollisionsWithin(
  tx: WorkspaceTx,
  spans: ReadonlyArray<{ start: Date; end: Date }>,
  now: Date,
): Promise<Array<{ id: string; title: string }>> {
  const touched: Array<{ id: string; title: string }> = [];
  const seen = new Set<string>();
  for (const span of spans) {
    const { rows } = await tx.query<ChangeRow>(
      `SELECT * FROM changes WHERE state = ANY($1::text[]) AND planned_start < $3 AND planned_end > $2
       ORDER BY planned_start, id FOR UPDATE`,
      [OPEN_STATES, span.start, span.end],
    );
    for (const change of rows) {
      if (seen.has(change.id)) continue;
      seen.add(change.id);
      const before = (await collisionsOf(tx, [change.id])).get(change.id) ?? [];
      const after = await refreshCollisions(tx, change, now);
      if (JSON.stringify(before.map((c) => c.reason)) !== JSON.stringify(after.map((c) => c.reason)))
        touched.push({ id: change.id, title: change.title });
    }
  }
  return touched;
}

/** Deletes and inserts what differs, then records each change whose collisions differ. */
async function applyDiff(
  tx: WorkspaceTx,
  existing: CollisionRow[],
  wanted: Wanted[],
  cause: ChangeRow,
  now: Date,
): Promise<void> {
  const wantedKeys = new Set(wanted.map(keyOf));
  const existingKeys = new Set<string>();
  // Two changes moved at once can each write the other side of their overlap: a second copy of
  // a row is removed like a row no longer wanted.
  const gone = existing.filter((r) => {
    const key = rowKey(r);
    const twice = existingKeys.has(key);
    existingKeys.add(key);
    return twice || !wantedKeys.has(key);
  });
  const added = wanted.filter((w) => !existingKeys.has(keyOf(w)));
  if (gone.length === 0 && added.length === 0) return;
  const changed = [...new Set([...gone.map((r) => r.change_id), ...added.map((w) => w.changeId)])].sort();
  const previous = await collisionsOf(tx, changed);
  if (gone.length > 0)
    await tx.query('DELETE FROM change_collisions WHERE id = ANY($1::uuid[])', [gone.map((r) => r.id)]);
  if (added.length > 0)
    await tx.query(
      `INSERT INTO change_collisions (workspace_id, change_id, kind, reason, other_change_id, host_id, freeze_window_id, detected_at)
       SELECT $2, x.change_id, x.kind, x.reason, x.other_change_id, x.host_id, x.freeze_window_id, $3
       FROM jsonb_to_recordset($1::jsonb) AS x(change_id uuid, kind text, reason text, other_change_id uuid,
         host_id uuid, freeze_window_id uuid)`,
      [
        JSON.stringify(
          added.map((w) => ({
            change_id: w.changeId,
            kind: w.kind,
            reason: w.reason,
            other_change_id: w.otherChangeId,
            host_id: w.hostId,
            freeze_window_id: w.freezeWindowId,
          })),
        ),
        tx.workspaceId,
        now,
      ],
    );
  const current = await collisionsOf(tx, changed);
  const titles = await tx.query<{ id: string; title: string }>(
    'SELECT id, title FROM changes WHERE id = ANY($1::uuid[])',
    [changed],
  );
  const titleOf = new Map(titles.rows.map((r) => [r.id, r.title]));
  for (const id of changed) {
    const words = (rows: Array<{ kind: string; reason: string }>) =>
      rows.map((c) => ({ kind: c.kind, reason: c.reason }));
    const before = words(previous.get(id) ?? []);
    const after = words(current.get(id) ?? []);
    await tx.record({
      action: 'change.collisions_updated',
      target: { type: 'change', id },
      summary: {
        before: { collisions: before },
        after: { collisions: after },
        ...(id === cause.id ? {} : { because: cause.id }),
      },
      event: 'change.collisions_updated',
      payload: { changeId: id, title: titleOf.get(id) ?? '', collisions: after, because: cause.id },
    });
  }
}
