import {
  acknowledgeAlert,
  commentOnAlert,
  resolveAlert,
  snoozeAlert,
} from '../../monitoring/alerts/alert-actions.ts';
import type { KindHandlers } from '../mutation-def.ts';

/** The desktop's alert actions: the same operations as the alerts.* procedures, refusals become conflicts in apply.ts. */
export const alertKinds = {
  'alert.acknowledge': (tx, args, actor, now) =>
    acknowledgeAlert(tx, { alertId: args.alertId, note: args.note, actor, now }),
  'alert.snooze': (tx, args, actor, now) => snoozeAlert(tx, { ...args, reason: args.reason, actor, now }),
  'alert.resolve': (tx, args, actor, now) =>
    resolveAlert(tx, { alertId: args.alertId, note: args.note, actor, now }),
  'alert.comment': (tx, args, actor, now) => commentOnAlert(tx, { ...args, actor, now }),
} satisfies Partial<KindHandlers>;
