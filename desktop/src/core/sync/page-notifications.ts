import { type NotificationRequest, notificationFor } from '../notifications.ts';
import { activeDelegators } from '../replica/approvals.ts';
import type { ServerChange } from '../replica/replica.ts';
import type { ReplicaStore } from '../replica/store.ts';

/**
 * What one page of the change log announces (../notifications.ts), judged against the replica's
 * rows before the page is applied: a row already announced is not news again. Nothing during the
 * initial sync (that is history).
 */
export function pageNotifications(
  store: ReplicaStore,
  changes: ServerChange[],
  opts: { initialSync: boolean; workspace: string; me: string | undefined; now: Date },
): NotificationRequest[] {
  if (opts.initialSync) return [];
  const { me } = opts;
  // A request and its change may arrive in the same page: the page's rows come first.
  const inPage = new Map(changes.map((c) => [`${c.table} ${c.rowId}`, c.row]));
  const row = (table: string, id: string) => inPage.get(`${table} ${id}`) ?? store.row(table, id);
  const standsInFor = me ? activeDelegators(store.db, me, opts.now) : new Set<string>();
  return changes.flatMap((c) => {
    const note = notificationFor(c, store.row(c.table, c.rowId), {
      initialSync: false,
      workspaceSlug: opts.workspace,
      me,
      standsInFor,
      row,
      now: opts.now,
    });
    return note ? [note] : [];
  });
}
