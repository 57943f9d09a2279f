import { SHIFT_START_TABLE, shiftStartRowSchema } from '@vigilo/shared/oncall';
import type { ServerChange } from './replica/replica.ts';
import type { Row } from './replica/records.ts';

/** An OS notification to raise; `target` is what clicking it opens (a vigilo:// path). */
export type NotificationRequest = { title: string; body: string; target: string };

/** What the policy knows besides the change itself. */
export type NotificationContext = {
  /** True during the first pull of the log: history, not news. */
  initialSync: boolean;
  workspaceSlug: string;
  /** The signed-in person's user id, when the server told it. */
  me?: string | undefined;
  /** The approvers who delegated to me for a range that holds now. */
  standsInFor?: ReadonlySet<string>;
  /** A row as it will be once this page is applied (the page's own rows first). */
  row?: (table: string, id: string) => Row;
  /** The time now (a shift that ended already is not news). */
  now?: Date;
};

/**
 * Which replicated changes notify the user (DESIGN.md §6). Never during the initial sync, and
 * never twice for the same thing (`previous` is the row before the change):
 * - a critical alert that has just opened, not suppressed by a snooze or maintenance window and
 *   not yet acknowledged;
 * - an approval request that has just opened and waits on me: I am one of its approvers, or the
 *   delegate now of one, and the change is not mine (nobody approves their own). Clicking it
 *   opens the change;
 * - an escalation paging me (a new escalation_pages row for my user id); clicking it opens the
 *   alert, where acknowledging stops the escalation;
 * - my on-call shift starting (a schedule's shift_starts row naming me for a shift it did not
 *   name before, still running); clicking it opens the On-call page. Only the member concerned
 *   hears of it: the others see the hand-off on the On-call page, and channels announce it.
 */
export function notificationFor(
  change: ServerChange,
  previous: Row,
  opts: NotificationContext,
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
  if (change.table === 'approval_requests') return approvalRequested(change.row, previous, opts);
  if (change.table === 'escalation_pages') {
    const p = change.row;
    if (previous || !opts.me || p.user_id !== opts.me || typeof p.alert_id !== 'string') return undefined;
    return {
      title: 'You are paged',
      body: typeof p.summary === 'string' ? p.summary : 'an alert needs you',
      target: `vigilo://${opts.workspaceSlug}/alerts/${p.alert_id}`,
    };
  }
  if (change.table === SHIFT_START_TABLE) return shiftStarted(change.row, previous, opts);
  return undefined;
}

/** The shift's start as the notification says it, in this computer's zone and language. */
export function shiftStartWords(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

function shiftStarted(
  r: Record<string, unknown>,
  previous: Row,
  opts: NotificationContext,
): NotificationRequest | undefined {
  const parsed = shiftStartRowSchema.safeParse(r);
  if (!parsed.success || !opts.me) return undefined;
  const shift = parsed.data;
  if (shift.user_id !== opts.me) return undefined;
  // The same shift sent again (a replica catching up on the same row) is not news.
  if (previous?.user_id === shift.user_id && previous.starts_at === shift.starts_at) return undefined;
  if (opts.now && Date.parse(shift.ends_at) <= opts.now.getTime()) return undefined;
  const schedule = opts.row?.('schedules', shift.schedule_id)?.name;
  return {
    title: 'You are on call',
    body: `You are on call for ${typeof schedule === 'string' ? schedule : 'a schedule'} from ${shiftStartWords(shift.starts_at)}`,
    target: `vigilo://${opts.workspaceSlug}/schedules/${shift.schedule_id}`,
  };
}

function approvalRequested(
  r: Record<string, unknown>,
  previous: Row,
  opts: NotificationContext,
): NotificationRequest | undefined {
  const me = opts.me;
  if (!me || r.state !== 'pending' || previous?.state === 'pending') return undefined;
  // A CAB step is decided in the board's meeting, not by one approver: nothing to notify.
  if (r.cab === true) return undefined;
  const approvers = Array.isArray(r.approver_ids) ? r.approver_ids : [];
  const mine = approvers.some((a) => a === me || (typeof a === 'string' && opts.standsInFor?.has(a)));
  if (!mine || typeof r.change_id !== 'string') return undefined;
  const c = opts.row?.(`changes`, r.change_id);
  if (c?.requester_id === me) return undefined;
  const title = typeof c?.title === 'string' ? c.title : 'a change';
  const step = typeof r.step_name === 'string' ? r.step_name : 'approval';
  return {
    title: r.kind === 'retrospective' ? 'Retrospective review requested' : 'Approval requested',
    body: `${title} (${step})`,
    target: `vigilo://${opts.workspaceSlug}/changes/${r.change_id}`,
  };
}
