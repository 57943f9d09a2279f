import { z } from 'zod';
import {
  acknowledgeAlert,
  commentOnAlert,
  resolveAlert,
  SNOOZE_PRESETS,
  snoozeAlert,
} from '../../monitoring/alert-actions.ts';
import { define } from '../mutation-def.ts';

/** The desktop's alert actions: the same operations as the alerts.* procedures, refusals become conflicts in apply.ts. */

const alertId = z.uuid('alertId must be an alert id');
const note = z.string().max(2000, 'note must be at most 2000 characters').optional();

export const alertAcknowledge = define({
  permission: 'operate',
  args: z.object({ alertId, note }),
  apply: (tx, args, actor, now) =>
    acknowledgeAlert(tx, { alertId: args.alertId, note: args.note, actor, now }),
});

export const alertSnooze = define({
  permission: 'operate',
  args: z.object({
    alertId,
    duration: z.enum(Object.keys(SNOOZE_PRESETS) as ['1h', '1d', '1w'], 'duration must be 1h, 1d or 1w'),
    reason: z.string().max(500, 'reason must be at most 500 characters').optional(),
  }),
  apply: (tx, args, actor, now) => snoozeAlert(tx, { ...args, reason: args.reason, actor, now }),
});

export const alertResolve = define({
  permission: 'operate',
  args: z.object({ alertId, note }),
  apply: (tx, args, actor, now) => resolveAlert(tx, { alertId: args.alertId, note: args.note, actor, now }),
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
  apply: (tx, args, actor, now) => commentOnAlert(tx, { ...args, actor, now }),
});
