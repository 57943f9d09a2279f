import type { Actor, WorkspaceTx } from '../db/tx.ts';
import { actorRef } from '../monitoring/alerts/alert-actions.ts';
import { reassessForIncident } from '../changes/incident-risk.ts';
import { requireExisting } from '../work/references.ts';
import { lockIncident, requireNotClosed } from './incident-records.ts';
import { appendTimeline } from './incident-timeline.ts';

/**
 * The hosts, alerts and changes an incident concerns. One link row serves both directions: the
 * incident's page lists its alerts, and an alert's incidents are the same rows read by target
 * (`incidents.list({ alertId })`, and the replicated `incident_links` on the desktop). Linking an
 * alert links its host too: an incident about an alert concerns the host it fired on, and change
 * collision checks look for open incidents by host.
 */

export const LINK_TYPES = ['host', 'alert', 'change'] as const;
export type LinkType = (typeof LINK_TYPES)[number];

/** What to link, by kind; each list is named in a refusal as the caller's field (hostIds.0, …). */
export type LinkTargets = { hostIds?: string[]; alertIds?: string[]; changeIds?: string[] };

export type NewLink = { type: LinkType; targetId: string; label: string | null };

/**
 * Checks every target exists in this workspace, links the ones not yet linked and writes one
 * timeline entry per new link. Refuses (naming the field) before writing anything. The caller
 * holds the incident's lock and records the change.
 */
export async function addLinks(
  tx: WorkspaceTx,
  input: { incidentId: string; targets: LinkTargets; actor: Actor; now: Date },
): Promise<NewLink[]> {
  const hostIds = input.targets.hostIds ?? [];
  const alertIds = input.targets.alertIds ?? [];
  const changeIds = input.targets.changeIds ?? [];
  await requireExisting(tx, 'host', 'hostIds', hostIds);
  await requireExisting(tx, 'alert', 'alertIds', alertIds);
  await requireExisting(tx, 'change', 'changeIds', changeIds);

  const alerts = await tx.query<{ id: string; host_id: string; summary: string }>(
    'SELECT id::text, host_id::text, summary FROM alerts WHERE id = ANY($1::uuid[])',
    [alertIds],
  );
  const alertHosts = alerts.rows.map((a) => a.host_id);
  const hosts = await tx.query<{ id: string; hostname: string; port: number }>(
    'SELECT id::text, hostname, port FROM hosts WHERE id = ANY($1::uuid[])',
    [[...hostIds, ...alertHosts]],
  );
  const hostLabel = new Map(hosts.rows.map((h) => [h.id, `${h.hostname}:${h.port}`]));
  const alertLabel = new Map(alerts.rows.map((a) => [a.id, a.summary]));

  const changes = await tx.query<{ id: string; title: string }>(
    'SELECT id::text, title FROM changes WHERE id = ANY($1::uuid[])',
    [changeIds],
  );
  const changeLabel = new Map(changes.rows.map((c) => [c.id, c.title]));

  const wanted: Array<{ type: LinkType; targetId: string; label: string | null }> = [
    ...[...new Set([...hostIds, ...alertHosts])].map((id) => ({
      type: 'host' as const,
      targetId: id,
      label: hostLabel.get(id) ?? null,
    })),
    ...[...new Set(alertIds)].map((id) => ({
      type: 'alert' as const,
      targetId: id,
      label: alertLabel.get(id) ?? null,
    })),
    ...[...new Set(changeIds)].map((id) => ({
      type: 'change' as const,
      targetId: id,
      label: changeLabel.get(id) ?? null,
    })),
  ];
  const added: NewLink[] = [];
  for (const link of wanted) {
    const inserted = await tx.query(
      `INSERT INTO incident_links (workspace_id, incident_id, target_type, target_id, linked_by, linked_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (workspace_id, incident_id, target_type, target_id) DO NOTHING`,
      [tx.workspaceId, input.incidentId, link.type, link.targetId, actorRef(input.actor), input.now],
    );
    if (inserted.rowCount === 0) continue;
    added.push(link);
    await appendTimeline(tx, {
      incidentId: input.incidentId,
      kind: 'linked',
      detail: { targetType: link.type, targetId: link.targetId, label: link.label },
      actor: input.actor,
      at: input.now,
    });
  }
  // Changes still to come on these hosts are scored again; one whose risk rose goes to the CAB.
  await reassessForIncident(tx, {
    incidentId: input.incidentId,
    hostIds: added.filter((l) => l.type === 'host').map((l) => l.targetId),
    now: input.now,
  });
  return added;
}

/**
 * Links hosts, alerts and changes to an incident (`incidents.link`). Linking what is already
 * linked changes nothing and records nothing; a closed incident takes no new links.
 */
export async function linkIncident(
  tx: WorkspaceTx,
  input: { incidentId: string; targets: LinkTargets; actor: Actor; now: Date },
): Promise<{ id: string; linked: NewLink[] }> {
  const incident = await lockIncident(tx, input.incidentId);
  requireNotClosed(incident, 'linking');
  const linked = await addLinks(tx, input);
  if (linked.length > 0) {
    await tx.query('UPDATE incidents SET updated_at = $2 WHERE id = $1', [input.incidentId, input.now]);
    const links = linked.map((l) => ({ type: l.type, targetId: l.targetId }));
    await tx.record({
      action: 'incident.linked',
      target: { type: 'incident', id: input.incidentId },
      summary: { after: { links } },
      event: 'incident.linked',
      payload: { incidentId: input.incidentId, title: incident.title, links },
    });
  }
  return { id: input.incidentId, linked };
}

export type IncidentLink = {
  type: LinkType;
  targetId: string;
  linkedBy: string;
  linkedAt: Date;
  /** What the target is now, when it still exists: `host:port`, the alert's summary, the change's title. */
  label: string | null;
  /** The alert's or the change's state; null for hosts. */
  state: string | null;
};

/** An incident's links, oldest first, with what their targets are now. */
export async function readLinks(tx: WorkspaceTx, incidentId: string): Promise<IncidentLink[]> {
  const { rows } = await tx.query<{
    target_type: LinkType;
    target_id: string;
    linked_by: string;
    linked_at: Date;
    label: string | null;
    state: string | null;
  }>(
    `SELECT l.target_type, l.target_id::text, l.linked_by, l.linked_at,
            CASE l.target_type WHEN 'host' THEN h.hostname || ':' || h.port WHEN 'alert' THEN a.summary
                               WHEN 'change' THEN c.title END AS label,
            CASE l.target_type WHEN 'alert' THEN a.state WHEN 'change' THEN c.state END AS state
     FROM incident_links l
     LEFT JOIN hosts h ON l.target_type = 'host' AND h.id = l.target_id
     LEFT JOIN alerts a ON l.target_type = 'alert' AND a.id = l.target_id
     LEFT JOIN changes c ON l.target_type = 'change' AND c.id = l.target_id
     WHERE l.incident_id = $1 ORDER BY l.linked_at, l.target_type, l.target_id`,
    [incidentId],
  );
  return rows.map((r) => ({
    type: r.target_type,
    targetId: r.target_id,
    linkedBy: r.linked_by,
    linkedAt: r.linked_at,
    label: r.label,
    state: r.state,
  }));
}
