import type { ComponentState, NoticeKind, NoticeUpdateStatus } from '@vigilo/shared/status-page';
import type { Database } from '../db/pool.ts';
import { type WorkspaceTx, withWorkspace } from '../db/tx.ts';

/**
 * What the public status page shows, read without a user. The one step outside a workspace is
 * finding the page by its slug: status_pages is a directory the owner reads (migration 0018, like
 * workspaces), and only its id and workspace are read. Everything else is read on the runtime
 * pool bound to that one workspace by row-level security, by the system actor 'status-page'. The
 * model holds public names and public titles only: no hostname, tag or internal title is read
 * into it, so no rendering mistake can show one.
 */

export type PublicDay = { day: string; good: number; total: number };
export type PublicComponent = {
  id: string;
  name: string;
  state: ComponentState;
  days: PublicDay[];
  uptime: number | null;
};
export type PublicNotice = {
  id: string;
  kind: NoticeKind;
  title: string;
  components: string[];
  startsAt: Date;
  endsAt: Date | null;
  resolvedAt: Date | null;
  updates: Array<{ status: NoticeUpdateStatus; body: string; postedAt: Date }>;
};
export type PublicStatusPage = {
  slug: string;
  title: string;
  description: string;
  updatedAt: Date;
  components: PublicComponent[];
  /** Incidents not resolved, newest first. */
  activeIncidents: PublicNotice[];
  /** Maintenance not completed (in progress or to come), soonest first. */
  maintenance: PublicNotice[];
  /** Notices ended in the last 14 days, newest first. */
  recent: PublicNotice[];
};

export const UPTIME_DAYS = 90;

/**
 * Reads the public page `slug` at `now`, or undefined when there is none. A page of a workspace
 * is read inside that workspace only.
 */
export async function readPublicStatusPage(
  db: Database,
  slug: string,
  now: Date,
): Promise<PublicStatusPage | undefined> {
  const { rows } = await db.owner.query<{ id: string; workspace_id: string }>(
    'SELECT id, workspace_id FROM status_pages WHERE slug = $1',
    [slug],
  );
  const found = rows[0];
  if (!found) return undefined;
  return withWorkspace(
    db.app,
    found.workspace_id,
    { actor: { type: 'system', id: 'status-page' }, requestId: undefined },
    (tx) => readPage(tx, found.id, now),
  );
}

type Row = { id: string; public_name: string };

async function readPage(tx: WorkspaceTx, pageId: string, now: Date): Promise<PublicStatusPage | undefined> {
  const page = (
    await tx.query<{ slug: string; title: string; description: string; updated_at: Date }>(
      'SELECT slug, title, description, updated_at FROM status_pages WHERE id = $1',
      [pageId],
    )
  ).rows[0];
  if (!page) return undefined;
  const components = (
    await tx.query<Row>(
      'SELECT id, public_name FROM status_page_components WHERE page_id = $1 ORDER BY position',
      [pageId],
    )
  ).rows;
  const names = new Map(components.map((c) => [c.id, c.public_name]));

  // Each component's hosts right now: how many, how many unreachable, how many in maintenance.
  const current = new Map(
    (
      await tx.query<{ id: string; hosts: number; scanned: number; down: number; in_maintenance: number }>(
        `SELECT c.id, count(h.id)::int AS hosts, count(s.host_id)::int AS scanned,
           count(*) FILTER (WHERE s.reachable = false)::int AS down,
           count(*) FILTER (WHERE EXISTS (
             SELECT 1 FROM maintenance_windows w WHERE (h.id = ANY(w.host_ids) OR h.tags && w.tags) AND $2 >= w.starts_at AND (
               (w.repeat_days IS NULL AND $2 < w.ends_at) OR
               (w.repeat_days IS NOT NULL AND extract(epoch FROM ($2 - w.starts_at))::bigint % (w.repeat_days * 86400)
                 < extract(epoch FROM (w.ends_at - w.starts_at))))))::int AS in_maintenance
         FROM status_page_components c
         LEFT JOIN hosts h ON h.active AND (h.id = c.host_id OR c.tag = ANY(h.tags))
         LEFT JOIN host_status s ON s.host_id = h.id
         WHERE c.page_id = $1 GROUP BY c.id`,
        [pageId, now],
      )
    ).rows.map((r) => [r.id, r]),
  );

  // 90 days of scans per component and day (UTC), counted in Postgres.
  const since = new Date(
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - (UPTIME_DAYS - 1) * 86_400_000,
  );
  const dayRows = (
    await tx.query<{ id: string; day: string; good: number; total: number }>(
      `SELECT c.id, to_char(date_trunc('day', sn.scanned_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,
         count(*) FILTER (WHERE sn.reachable)::int AS good, count(*)::int AS total
       FROM status_page_components c
       JOIN hosts h ON h.id = c.host_id OR c.tag = ANY(h.tags)
       JOIN snapshots sn ON sn.workspace_id = h.workspace_id AND sn.host_id = h.id AND sn.scanned_at >= $2 AND sn.scanned_at <= $3
       WHERE c.page_id = $1 GROUP BY 1, 2`,
      [pageId, since, now],
    )
  ).rows;
  const byDay = new Map(dayRows.map((r) => [`${r.id}/${r.day}`, r]));

  const notices = await readNotices(tx, pageId, now, names);
  const activeIncidents = notices.filter((n) => n.kind === 'incident' && !n.resolvedAt);
  const maintenance = notices
    .filter((n) => n.kind === 'maintenance' && !n.resolvedAt && (!n.endsAt || n.endsAt > now))
    .sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
  const recent = notices.filter(
    (n) => n.resolvedAt && now.getTime() - n.resolvedAt.getTime() < 14 * 86_400_000,
  );
  const maintenanceNow = new Set(maintenance.filter((n) => n.startsAt <= now).flatMap((n) => n.components));
  const incidentOn = new Set(activeIncidents.flatMap((n) => n.components));

  return {
    slug: page.slug,
    title: page.title,
    description: page.description,
    updatedAt: now,
    components: components.map((c) => {
      const days: PublicDay[] = [];
      let good = 0;
      let total = 0;
      for (let i = 0; i < UPTIME_DAYS; i += 1) {
        const day = new Date(since.getTime() + i * 86_400_000).toISOString().slice(0, 10);
        const r = byDay.get(`${c.id}/${day}`);
        days.push({ day, good: r?.good ?? 0, total: r?.total ?? 0 });
        good += r?.good ?? 0;
        total += r?.total ?? 0;
      }
      const now_ = current.get(c.id);
      return {
        id: c.id,
        name: c.public_name,
        state: stateOf(now_, maintenanceNow.has(c.public_name), incidentOn.has(c.public_name)),
        days,
        uptime: total > 0 ? (100 * good) / total : null,
      };
    }),
    activeIncidents,
    maintenance,
    recent,
  };
}

function stateOf(
  hosts: { hosts: number; scanned: number; down: number; in_maintenance: number } | undefined,
  maintenanceNotice: boolean,
  incident: boolean,
): ComponentState {
  if (hosts && hosts.in_maintenance > 0 && hosts.in_maintenance === hosts.hosts) return 'maintenance';
  if (maintenanceNotice) return 'maintenance';
  if (!hosts || hosts.scanned === 0) return incident ? 'degraded' : 'no_data';
  if (hosts.down > 0 && hosts.down - hosts.in_maintenance >= hosts.scanned) return 'major_outage';
  if (hosts.down > hosts.in_maintenance) return 'partial_outage';
  return incident ? 'degraded' : 'operational';
}

async function readNotices(
  tx: WorkspaceTx,
  pageId: string,
  now: Date,
  names: Map<string, string>,
): Promise<PublicNotice[]> {
  const notices = (
    await tx.query<{
      id: string;
      kind: NoticeKind;
      title: string;
      component_ids: string[];
      starts_at: Date;
      ends_at: Date | null;
      resolved_at: Date | null;
    }>(
      `SELECT id, kind, title, component_ids, starts_at, ends_at, resolved_at FROM status_page_notices
       WHERE page_id = $1 AND (resolved_at IS NULL OR resolved_at > $2::timestamptz - interval '90 days')
       ORDER BY starts_at DESC, id LIMIT 200`,
      [pageId, now],
    )
  ).rows;
  const updates = (
    await tx.query<{ notice_id: string; status: NoticeUpdateStatus; body: string; posted_at: Date }>(
      'SELECT notice_id, status, body, posted_at FROM status_page_updates WHERE notice_id = ANY($1) ORDER BY posted_at DESC, id',
      [notices.map((n) => n.id)],
    )
  ).rows;
  return notices.map((n) => ({
    id: n.id,
    kind: n.kind,
    title: n.title,
    components: n.component_ids.flatMap((id) => {
      const name = names.get(id);
      return name ? [name] : [];
    }),
    startsAt: n.starts_at,
    endsAt: n.ends_at,
    resolvedAt: n.resolved_at,
    updates: updates
      .filter((u) => u.notice_id === n.id)
      .map((u) => ({ status: u.status, body: u.body, postedAt: u.posted_at })),
  }));
}
