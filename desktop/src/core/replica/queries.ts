import type Database from 'better-sqlite3';
import type { InboxItem } from '../../bridge/contract.ts';

const SEVERITY_RANK: Record<string, number> = { critical: 0, warning: 1, info: 2 };

/**
 * The triage inbox: open alerts (incidents and approvals join when the server has them), most
 * severe first, then newest. `pending` marks items with an action still in the outbox.
 */
export function inbox(db: Database.Database): InboxItem[] {
  const rows = db
    .prepare<
      [],
      {
        id: string;
        severity: string;
        summary: string;
        opened_at: string;
        acknowledged_at: string | null;
        pending: number;
      }
    >(
      `SELECT a.id, a.severity, a.summary, a.opened_at, a.acknowledged_at,
         EXISTS (SELECT 1 FROM outbox o WHERE o.tbl = 'alerts' AND o.row_id = a.id AND o.state = 'pending') AS pending
       FROM alerts a WHERE a.state = 'open'`,
    )
    .all();
  return rows
    .map((r) => ({
      kind: 'alert' as const,
      id: r.id,
      severity: r.severity,
      title: r.summary,
      openedAt: r.opened_at,
      acknowledged: r.acknowledged_at !== null,
      pending: r.pending === 1,
    }))
    .sort(
      (a, b) =>
        (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9) ||
        b.openedAt.localeCompare(a.openedAt),
    );
}

/** The workspace row as replicated (name may carry a pending rename). */
export function workspaceRow(db: Database.Database): { id: string; slug: string; name: string } | undefined {
  const r = db
    .prepare<[], { data: string }>("SELECT data FROM records WHERE tbl = 'workspaces' LIMIT 1")
    .get();
  return r ? (JSON.parse(r.data) as { id: string; slug: string; name: string }) : undefined;
}
