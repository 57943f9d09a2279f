import type { WorkspaceTx } from '../../db/tx.ts';

export type MaintenanceWindow = {
  name: string;
  hostIds: string[];
  tags: string[];
  startsAt: Date;
  endsAt: Date;
  /** Repeats every N days from `startsAt`; absent: once. */
  repeatDays?: number | undefined;
};

/**
 * Schedules a maintenance window for hosts and/or tags: while it is open the rule engine opens
 * no alert on the hosts it covers. The input schema has checked the window's shape (ends after
 * it starts, covers something).
 */
export async function scheduleMaintenance(tx: WorkspaceTx, w: MaintenanceWindow): Promise<{ id: string }> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO maintenance_windows (workspace_id, name, host_ids, tags, starts_at, ends_at, repeat_days)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [tx.workspaceId, w.name, w.hostIds, w.tags, w.startsAt, w.endsAt, w.repeatDays ?? null],
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
      },
    },
    event: 'maintenance.created',
    payload: { id, name: w.name },
  });
  return { id };
}
