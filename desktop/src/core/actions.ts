import type { Action } from '../bridge/contract.ts';
import { SNOOZE_DURATIONS } from '../bridge/inventory.ts';

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
  /** True when the action creates its row (a comment): the row need not exist yet. */
  creates?: boolean;
};

const SNOOZE_MS = { '1h': 3_600_000, '1d': 86_400_000, '1w': 604_800_000 } as const;

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
    case 'alert.snooze': {
      const { alertId, duration } = action.args;
      return {
        target: { tbl: 'alerts', id: alertId },
        // Hidden from the inbox until then; the server's snoozes row takes over once it arrives
        // (the alert row itself does not change on the server).
        apply: (row, ctx) =>
          row && { ...row, snoozed_until: new Date(Date.parse(ctx.now) + SNOOZE_MS[duration]).toISOString() },
        serverArgs: () => ({ alertId, duration }),
      };
    }
    case 'alert.resolve': {
      const { alertId, note } = action.args;
      return {
        target: { tbl: 'alerts', id: alertId },
        apply: (row, ctx) => row && { ...row, state: 'resolved', resolved_at: row.resolved_at ?? ctx.now },
        serverArgs: () => ({ alertId, ...(note !== undefined ? { note } : {}) }),
      };
    }
    case 'alert.comment': {
      const { alertId, body } = action.args;
      const commentId = action.args.commentId;
      if (!commentId) throw new Error('alert.comment needs its commentId (the core assigns it)');
      return {
        target: { tbl: 'comments', id: commentId },
        creates: true,
        apply: (row, ctx) =>
          row ?? {
            id: commentId,
            target_type: 'alert',
            target_id: alertId,
            body,
            author: ctx.actorId ?? 'me',
            created_at: ctx.now,
          },
        serverArgs: () => ({ alertId, commentId, body }),
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
    case 'host.pause':
    case 'host.resume': {
      const { hostId } = action.args;
      const active = action.kind === 'host.resume';
      return {
        target: { tbl: 'hosts', id: hostId },
        apply: (row) => row && { ...row, active },
        serverArgs: () => ({ hostId }),
      };
    }
    case 'host.snooze': {
      const { hostId, duration } = action.args;
      return {
        target: { tbl: 'hosts', id: hostId },
        // The server's snoozes row replaces this mark when it arrives (the host row itself does
        // not change on the server). Until then `now` is the latest replay's, close enough to
        // show "snoozed until"; the server counts from when it applies the snooze anyway.
        apply: (row, ctx) =>
          row && {
            ...row,
            snoozed_until: new Date(Date.parse(ctx.now) + SNOOZE_DURATIONS[duration]).toISOString(),
          },
        serverArgs: () => ({ hostId, duration }),
      };
    }
    default: {
      const never: never = action;
      throw new Error(`no local effect for ${JSON.stringify(never)}`);
    }
  }
}
