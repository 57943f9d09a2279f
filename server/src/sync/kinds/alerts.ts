import { z } from 'zod';
import type { Actor, WorkspaceTx } from '../../db/workspace-tx.ts';
import {
  acknowledgeAlert,
  commentOnAlert,
  resolveAlert,
  SNOOZE_PRESETS,
  snoozeAlert,
} from '../../monitoring/alert-actions.ts';
import { refusalsAsConflicts } from '../conflict.ts';
import { define } from '../mutation-def.ts';

/** The desktop's alert actions: the same operations as the alerts.* procedures, refusals as conflicts. */

const alertId = z.uuid('alertId must be an alert id');
const note = z.string().max(2000, 'note must be at most 2000 characters').optional();

type Apply<A> = (tx: WorkspaceTx, args: A, actor: Actor, now: Date) => Promise<Record<string, unknown>>;
const applying =
  <A>(fn: Apply<A>): Apply<A> =>
  (tx, args, actor, now) =>
    refusalsAsConflicts(() => fn(tx, args, actor, now));

export const alertAcknowledge = define({
  permission: 'operate',
  args: z.object({ alertId, note }),
  apply: applying((tx, args, actor, now) =>
    acknowledgeAlert(tx, { alertId: args.alertId, note: args.note, actor, now }),
  ),
});

export const alertSnooze = define({
  permission: 'operate',
  args: z.object({
    alertId,
    duration: z.enum(Object.keys(SNOOZE_PRESETS) as ['1h', '1d', '1w'], 'duration must be 1h, 1d or 1w'),
    reason: z.string().max(500, 'reason must be at most 500 characters').optional(),
  }),
  apply: applying((tx, args, actor, now) => snoozeAlert(tx, { ...args, reason: args.reason, actor, now })),
});

export const alertResolve = define({
  permission: 'operate',
  args: z.object({ alertId, note }),
  apply: applying((tx, args, actor, now) =>
    resolveAlert(tx, { alertId: args.alertId, note: args.note, actor, now }),
  ),
});

export const alertComment = define({
  permission: 'operate',
  args: z.object({
    alertId,
    commentId: z.uuid('commentId must be a uuid'),
    body: z
      .string()
      .trim()
      .min(1, 'body must not be empty')
      .max(4000, 'body must be at most 4000 characters'),
  }),
  apply: applying((tx, args, actor, now) => commentOnAlert(tx, { ...args, actor, now })),
});
