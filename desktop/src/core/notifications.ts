import type { ServerChange } from './replica/replica.ts';
import type { Row } from './replica/records.ts';

/** An OS notification to raise; `target` is what clicking it opens (a vigilo:// path). */
export type NotificationRequest = { title: string; body: string; target: string };

/**
 * Which replicated changes notify the user (DESIGN.md §6): a critical alert that has just opened,
 * not suppressed by a snooze or maintenance window and not yet acknowledged. Never during the
 * initial sync (that is history, not news), and never twice for the same alert (`previous` is
 * the row before the change: an alert already open was already announced).
 * Approvals assigned to me and escalations paging me join here when the server has them.
 */
export function notificationFor(
  change: ServerChange,
  previous: Row,
  opts: { initialSync: boolean; workspaceSlug: string },
): NotificationRequest | undefined {
  if (opts.initialSync || change.op !== 'upsert' || !change.row) return undefined;
  if (change.table === 'alerts') {
    const a = change.row;
    const wasOpen = previous?.state === 'open';
    if (a.state !== 'open' || wasOpen || a.severity !== 'critical' || a.suppressed === true) return undefined;
    if (a.acknowledged_at) return undefined;
    return {
      title: 'Critical alert',
      body: typeof a.summary === 'string' ? a.summary : 'an alert opened',
      target: `vigilo://${opts.workspaceSlug}/alerts/${change.rowId}`,
    };
  }
  return undefined;
}
