import type { CollisionKind } from '@vigilo/shared/change-calendar';
import { CHANGE_STATES, isFinal } from '@vigilo/shared/change-states';
import type { WorkspaceTx } from '../db/tx.ts';
import type { ChangeRow } from './change-records.ts';
import { describeWindow, freezeWindowsOver, when } from './freeze-lookup.ts';
import { oncallGaps } from './oncall-coverage.ts';
import { affectedHosts } from './risk.ts';

/**
 * Finding what a change's plan collides with, as it is now, in the workspace transaction (so
 * only this workspace's hosts, changes and windows count). Storing them is collisions.ts.
 *
 * "Allowed windows" are the maintenance windows of monitoring: a host that has any is one whose
 * owners said when work happens there, so a change on it planned outside all of them (its alerts
 * would page during the work) collides. Hosts with none are not constrained: no noise on them.
 */

/** One collision found: words for people, ids for links. */
export type CollisionFinding = {
  kind: CollisionKind;
  reason: string;
  otherChangeId: string | null;
  hostId: string | null;
  freezeWindowId: string | null;
  /** For an overlap: the hosts both changes touch, to word the other side. */
  sharedHostnames?: string[];
};

/** The states whose plans still matter: everything not final. */
export const OPEN_STATES = CHANGE_STATES.filter((s) => !isFinal(s));

type Host = { id: string; hostname: string; tags: string[] };

/** Every collision of `change`'s current plan, in a stable order. */
export async function findCollisions(tx: WorkspaceTx, change: ChangeRow): Promise<CollisionFinding[]> {
  const hosts = await affectedHosts(tx, change.affected_host_ids, change.affected_tags);
  const found = await openProblems(tx, change, hosts);
  const start = change.planned_start;
  const end = change.planned_end;
  if (!start || !end) return found;
  found.push(...(await overlaps(tx, change, hosts, start, end)));
  found.push(...(await outsideMaintenance(tx, hosts, start, end)));
  found.push(...(await expiresFirst(tx, change, end)));
  found.push(...(await oncallGaps(tx, hosts, start, end)));
  const tags = [...new Set([...change.affected_tags, ...hosts.flatMap((h) => h.tags)])];
  for (const w of await freezeWindowsOver(tx, { start, end }, tags))
    found.push({
      kind: 'freeze_window',
      reason:
        change.type === 'emergency'
          ? `emergency change inside the freeze window ${describeWindow(w)}: allowed as an emergency, flagged for review`
          : `planned inside the freeze window ${describeWindow(w)}: it cannot be scheduled there`,
      otherChangeId: null,
      hostId: null,
      freezeWindowId: w.id,
    });
  return found;
}

/** How an overlap reads on the change that has it, naming the other one and the shared hosts. */
export function overlapReason(
  other: { title: string; planned_start: Date; planned_end: Date },
  hostnames: readonly string[],
): string {
  return `overlaps "${other.title}" (${when(other.planned_start)} – ${when(other.planned_end)} UTC) on ${hostnames.join(', ')}`;
}

async function overlaps(
  tx: WorkspaceTx,
  change: ChangeRow,
  hosts: Host[],
  start: Date,
  end: Date,
): Promise<CollisionFinding[]> {
  if (hosts.length === 0) return [];
  const ids = hosts.map((h) => h.id);
  const tags = [...new Set(hosts.flatMap((h) => h.tags))];
  const { rows } = await tx.query<{
    id: string;
    title: string;
    planned_start: Date;
    planned_end: Date;
    shared: string[];
  }>(
    `SELECT c.id, c.title, c.planned_start, c.planned_end,
            ARRAY(SELECT h.id::text FROM hosts h
                  WHERE h.id = ANY($2::uuid[]) AND (h.id = ANY(c.affected_host_ids) OR h.tags && c.affected_tags)
                  ORDER BY h.hostname, h.port) AS shared
     FROM changes c
     WHERE c.id <> $1 AND c.state = ANY($3::text[]) AND c.planned_start < $5 AND c.planned_end > $4
       AND (c.affected_host_ids && $2::uuid[] OR c.affected_tags && $6::text[])
     ORDER BY c.planned_start, c.id`,
    [change.id, ids, OPEN_STATES, start, end, tags],
  );
  const names = new Map(hosts.map((h) => [h.id, h.hostname]));
  return rows
    .filter((r) => r.shared.length > 0)
    .map((r) => {
      const sharedHostnames = r.shared.map((id) => names.get(id) ?? id);
      return {
        kind: 'host_overlap' as const,
        reason: overlapReason(r, sharedHostnames),
        otherChangeId: r.id,
        hostId: r.shared[0] ?? null,
        freezeWindowId: null,
        sharedHostnames,
      };
    });
}

type MaintenanceRow = {
  name: string;
  host_ids: string[];
  tags: string[];
  starts_at: Date;
  ends_at: Date;
  repeat_days: number | null;
};

const DAY_MS = 86_400_000;

/** True when one occurrence of the window (once, or every N days) holds all of [start, end]. */
function windowHolds(w: MaintenanceRow, start: Date, end: Date): boolean {
  const from = w.starts_at.getTime();
  const s = start.getTime();
  if (s < from) return false;
  // The last occurrence starting at or before `start`: a later one starts after it.
  const period = w.repeat_days === null ? 0 : w.repeat_days * DAY_MS;
  const occurrence = period === 0 ? from : from + Math.floor((s - from) / period) * period;
  return end.getTime() <= occurrence + (w.ends_at.getTime() - from);
}

async function outsideMaintenance(
  tx: WorkspaceTx,
  hosts: Host[],
  start: Date,
  end: Date,
): Promise<CollisionFinding[]> {
  if (hosts.length === 0) return [];
  const { rows } = await tx.query<MaintenanceRow>(
    `SELECT name, host_ids, tags, starts_at, ends_at, repeat_days FROM maintenance_windows
     WHERE host_ids && $1::uuid[] OR tags && $2::text[] ORDER BY starts_at, id`,
    [hosts.map((h) => h.id), [...new Set(hosts.flatMap((h) => h.tags))]],
  );
  const found: CollisionFinding[] = [];
  for (const host of hosts) {
    const own = rows.filter((w) => w.host_ids.includes(host.id) || w.tags.some((t) => host.tags.includes(t)));
    if (own.length === 0 || own.some((w) => windowHolds(w, start, end))) continue;
    found.push({
      kind: 'outside_maintenance_window',
      reason: `${host.hostname} has maintenance windows (${own.map((w) => `"${w.name}"`).join(', ')}) and none holds ${when(start)} – ${when(end)} UTC: its alerts will page during the work`,
      otherChangeId: null,
      hostId: host.id,
      freezeWindowId: null,
    });
  }
  return found;
}

async function expiresFirst(tx: WorkspaceTx, change: ChangeRow, end: Date): Promise<CollisionFinding[]> {
  if (!change.certificate_fingerprint) return [];
  const { rows } = await tx.query<{ subject: string; not_after: Date }>(
    'SELECT subject, not_after FROM certificates WHERE fingerprint = $1',
    [change.certificate_fingerprint],
  );
  const cert = rows[0];
  if (!cert || end <= cert.not_after) return [];
  return [
    {
      kind: 'certificate_expires_first',
      reason: `planned to finish ${when(end)} UTC, after the certificate it renews (${cert.subject}) expires ${when(cert.not_after)} UTC`,
      otherChangeId: null,
      hostId: null,
      freezeWindowId: null,
    },
  ];
}

/**
 * Open critical alerts and open incidents on the change's hosts, except those the change links:
 * the alert a renewal was drafted from is its reason, not a collision.
 */
async function openProblems(tx: WorkspaceTx, change: ChangeRow, hosts: Host[]): Promise<CollisionFinding[]> {
  if (hosts.length === 0) return [];
  const ids = hosts.map((h) => h.id);
  const names = new Map(hosts.map((h) => [h.id, h.hostname]));
  const alerts = await tx.query<{ id: string; host_id: string; summary: string }>(
    `SELECT id, host_id, summary FROM alerts
     WHERE host_id = ANY($1::uuid[]) AND state = 'open' AND severity = 'critical' AND NOT id = ANY($2::uuid[])
     ORDER BY opened_at, id`,
    [ids, change.alert_ids],
  );
  const incidents = await tx.query<{ id: string; title: string; severity: string; host_id: string }>(
    `SELECT DISTINCT ON (i.id) i.id, i.title, i.severity,
            CASE WHEN l.target_type = 'host' THEN l.target_id ELSE a.host_id END AS host_id
     FROM incidents i JOIN incident_links l ON l.incident_id = i.id
     LEFT JOIN alerts a ON l.target_type = 'alert' AND a.id = l.target_id
     WHERE i.state NOT IN ('resolved', 'closed') AND NOT i.id = ANY($2::uuid[])
       AND ((l.target_type = 'host' AND l.target_id = ANY($1::uuid[])) OR a.host_id = ANY($1::uuid[]))
     ORDER BY i.id`,
    [ids, change.incident_ids],
  );
  return [
    ...alerts.rows.map((a) => ({
      kind: 'open_problem' as const,
      reason: `open critical alert on ${names.get(a.host_id) ?? a.host_id}: ${a.summary}`,
      otherChangeId: null,
      hostId: a.host_id,
      freezeWindowId: null,
    })),
    ...incidents.rows.map((i) => ({
      kind: 'open_problem' as const,
      reason: `open ${i.severity} incident on ${names.get(i.host_id) ?? i.host_id}: ${i.title}`,
      otherChangeId: null,
      hostId: i.host_id,
      freezeWindowId: null,
    })),
  ];
}
