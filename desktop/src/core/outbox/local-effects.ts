import { INCIDENT_STATES, type IncidentState } from '@vigilo/shared/incident-states';
import { type OutboxArgsInput, type OutboxKind, SNOOZE_PRESETS } from '@vigilo/shared/outbox';
import type { Action } from '../../bridge/contract.ts';
import type { Row } from '../replica/records.ts';

export type ActionContext = {
  /** The signed-in user's id when known (to show "acknowledged by me" before the server says so). */
  actorId: string | undefined;
  now: string;
};

/**
 * How an outbox action shows locally before the server confirms it: the row it touches and a
 * pure transform of that row. The replica keeps the server's row aside (its shadow) and derives
 * the displayed row as shadow + pending transforms, so refusing one restores exactly the rest.
 */
export type LocalEffect<K extends OutboxKind = OutboxKind> = {
  target: { tbl: string; id: string };
  apply(row: Row, ctx: ActionContext): Row;
  /** The arguments sent to the server, with what is fixed at the time of the action (e.g. the name the user saw). */
  serverArgs(current: Row): OutboxArgsInput<K>;
  /** True when the action creates its row (a comment): the row need not exist yet. */
  creates?: boolean;
};

/** One action of a kind, as the bridge or the stored outbox gives it. */
type ActionOf<K extends OutboxKind> = Extract<Action, { kind: K }>;

const snoozedUntil = (now: string, duration: keyof typeof SNOOZE_PRESETS) =>
  new Date(Date.parse(now) + SNOOZE_PRESETS[duration]).toISOString();

const hostActive =
  (active: boolean) =>
  ({ hostId }: { hostId: string }): LocalEffect<'host.pause' | 'host.resume'> => ({
    target: { tbl: 'hosts', id: hostId },
    apply: (row) => row && { ...row, active },
    serverArgs: () => ({ hostId }),
  });

/**
 * The local effect of every kind of the outbox contract (shared/src/outbox.ts). Exhaustive: a
 * kind added there fails to compile until it says how it shows before the server confirms it.
 */
const EFFECTS: { [K in OutboxKind]: (args: ActionOf<K>['args'], workspaceId: string) => LocalEffect<K> } = {
  'alert.acknowledge': ({ alertId, note }) => ({
    target: { tbl: 'alerts', id: alertId },
    apply: (row, ctx) =>
      row && {
        ...row,
        acknowledged_at: row.acknowledged_at ?? ctx.now,
        acknowledged_by: row.acknowledged_by ?? ctx.actorId ?? 'me',
        ack_note: note ?? row.ack_note ?? null,
      },
    serverArgs: () => ({ alertId, ...(note !== undefined ? { note } : {}) }),
  }),
  'alert.snooze': ({ alertId, duration, reason }) => ({
    target: { tbl: 'alerts', id: alertId },
    // Hidden from the inbox until then; the server's snoozes row takes over once it arrives
    // (the alert row itself does not change on the server).
    apply: (row, ctx) => row && { ...row, snoozed_until: snoozedUntil(ctx.now, duration) },
    serverArgs: () => ({ alertId, duration, ...(reason !== undefined ? { reason } : {}) }),
  }),
  'alert.resolve': ({ alertId, note }) => ({
    target: { tbl: 'alerts', id: alertId },
    apply: (row, ctx) => row && { ...row, state: 'resolved', resolved_at: row.resolved_at ?? ctx.now },
    serverArgs: () => ({ alertId, ...(note !== undefined ? { note } : {}) }),
  }),
  'alert.comment': ({ alertId, body, commentId }) => {
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
  },
  'workspace.rename': ({ name }, workspaceId) => ({
    target: { tbl: 'workspaces', id: workspaceId },
    apply: (row) => row && { ...row, name },
    serverArgs: (current) => ({
      name,
      ...(typeof current?.name === 'string' ? { expectedName: current.name } : {}),
    }),
  }),
  // Marks the request decided by me (the queue and the trail show it at once). The decision row
  // gets its id on the server, so it is not made here: it arrives with the server's rows, which
  // also close the step or open the next one.
  'approval.decide': ({ requestId, decision, comment, revision, onBehalfOf }) => ({
    target: { tbl: 'approval_requests', id: requestId },
    apply: (row, ctx) =>
      row && {
        ...row,
        my_decision: decision,
        my_comment: comment ?? '',
        my_decided_at: ctx.now,
        my_on_behalf_of: onBehalfOf ?? null,
      },
    serverArgs: (current) => ({
      requestId,
      decision,
      ...(comment !== undefined ? { comment } : {}),
      ...(onBehalfOf !== undefined ? { onBehalfOf } : {}),
      // The revision the request was sent for, unless the approver saw another.
      ...(revision !== undefined
        ? { revision }
        : typeof current?.revision === 'number'
          ? { revision: current.revision }
          : {}),
    }),
  }),
  'host.pause': hostActive(false),
  'host.resume': hostActive(true),
  'host.snooze': ({ hostId, duration, reason }) => ({
    target: { tbl: 'hosts', id: hostId },
    // The server's snoozes row replaces this mark when it arrives (the host row itself does
    // not change on the server). Until then `now` is the latest replay's, close enough to
    // show "snoozed until"; the server counts from when it applies the snooze anyway.
    apply: (row, ctx) => row && { ...row, snoozed_until: snoozedUntil(ctx.now, duration) },
    serverArgs: () => ({ hostId, duration, ...(reason !== undefined ? { reason } : {}) }),
  }),
  'incident.note': ({ incidentId, noteId, body }) => ({
    target: { tbl: 'incident_timeline', id: noteId },
    creates: true,
    apply: (row, ctx) =>
      row ?? {
        id: noteId,
        incident_id: incidentId,
        kind: 'note',
        body,
        detail: {},
        actor: ctx.actorId ? `user:${ctx.actorId}` : 'me',
        at: ctx.now,
      },
    serverArgs: () => ({ incidentId, noteId, body }),
  }),
  'incident.transition': ({ incidentId, to, note }) => ({
    target: { tbl: 'incidents', id: incidentId },
    // The server also writes the timeline entry and the resolution time; they arrive with its rows.
    apply: (row) => row && { ...row, state: to },
    serverArgs: (current) => {
      const seen = current?.state;
      return {
        incidentId,
        to,
        ...(note !== undefined ? { note } : {}),
        ...(isIncidentState(seen) ? { expectedState: seen } : {}),
      };
    },
  }),
};

const isIncidentState = (s: unknown): s is IncidentState =>
  typeof s === 'string' && (INCIDENT_STATES as readonly string[]).includes(s);

/** The local effect of one action (from the bridge, or replayed from the stored outbox). */
export function localEffect<K extends OutboxKind>(
  action: { kind: K; args: ActionOf<K>['args'] },
  workspaceId: string,
): LocalEffect<K> {
  return EFFECTS[action.kind](action.args, workspaceId);
}
