import type { Action } from '../bridge/contract.ts';

/** A row of the replica as the server sent it (snake_case columns), or null when absent. */
export type Row = Record<string, unknown> | null;

export type ActionContext = {
  /** The signed-in user's id when known (to show "acknowledged by me" before the server says so). */
  actorId: string | undefined;
  now: string;
};

/**
 * How each outbox action shows locally before the server confirms it: the row it touches and a
 * pure transform of that row. The replica keeps the server's row aside (its shadow) and derives
 * the displayed row as shadow + pending transforms, so refusing one restores exactly the rest.
 */
export type LocalEffect = {
  target: { tbl: string; id: string };
  apply(row: Row, ctx: ActionContext): Row;
  /** Extra arguments fixed at the time of the action (e.g. the name the user saw, for conflicts). */
  serverArgs(current: Row): Record<string, unknown>;
};

/** The local effect of one action. Exhaustive: a new kind fails to compile until it is described. */
export function localEffect(action: Action, workspaceId: string): LocalEffect {
  switch (action.kind) {
    case 'alert.acknowledge': {
      const { alertId, note } = action.args;
      return {
        target: { tbl: 'alerts', id: alertId },
        apply: (row, ctx) =>
          row && {
            ...row,
            acknowledged_at: row.acknowledged_at ?? ctx.now,
            acknowledged_by: row.acknowledged_by ?? ctx.actorId ?? 'me',
            ack_note: note ?? row.ack_note ?? null,
          },
        serverArgs: () => ({ alertId, ...(note !== undefined ? { note } : {}) }),
      };
    }
    case 'workspace.rename': {
      const { name } = action.args;
      return {
        target: { tbl: 'workspaces', id: workspaceId },
        apply: (row) => row && { ...row, name },
        serverArgs: (current) => ({
          name,
          ...(typeof current?.name === 'string' ? { expectedName: current.name } : {}),
        }),
      };
    }
    default: {
      const never: never = action;
      throw new Error(`no local effect for ${JSON.stringify(never)}`);
    }
  }
}
