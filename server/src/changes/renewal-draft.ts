import { AlertPredicate } from '@vigilo/shared/alert-rules';
import type { Actor, WorkspaceTx } from '../db/tx.ts';
import { ActionRefused, invalidField } from '../domain-errors.ts';
import { createChange } from './change-actions.ts';
import type { Change } from './change-records.ts';
import { type Collision, collisionsOf } from './collisions.ts';
import { OPEN_STATES } from './collision-detect.ts';
import { when } from './freeze-lookup.ts';
import { planRenewalWindow } from './renewal-window.ts';
import { renewalTemplate } from './templates.ts';

/**
 * `changes.draftRenewal`: from an alert about an expiring certificate, one call drafts the
 * change that renews it — the alert's host, the certificate it serves now, a window before the
 * expiry that avoids the freeze windows (renewal-window.ts), linked to the alert. When the
 * workspace names an approved renewal template (a template created with `renewal: true`), the
 * change is raised from it: a standard change, approved at once like any raised from the
 * catalogue. Without one it is a normal draft. The renewal completes itself when a scan shows
 * the host serving another certificate (renewal-completion.ts).
 */

type AlertRow = {
  id: string;
  state: string;
  host_id: string;
  predicate: unknown;
  rule_name: string;
  hostname: string;
  port: number;
  tags: string[];
  fingerprint: string | null;
  not_after: Date | null;
  subject: string | null;
};

export async function draftRenewal(
  tx: WorkspaceTx,
  input: { alertId: string },
  actor: Actor,
  now: Date,
): Promise<Change & { collisions: Collision[] }> {
  const alert = await expiryAlert(tx, input.alertId);
  const fingerprint = alert.fingerprint;
  const expiresAt = alert.not_after;
  if (!fingerprint || !expiresAt)
    throw invalidField(['alertId'], `no certificate was seen on ${alert.hostname} yet: nothing to renew`);
  const { rows: open } = await tx.query<{ id: string; title: string }>(
    `SELECT id, title FROM changes WHERE certificate_fingerprint = $1 AND $2::uuid = ANY(affected_host_ids)
       AND state = ANY($3::text[]) ORDER BY created_at LIMIT 1`,
    [fingerprint, alert.host_id, OPEN_STATES],
  );
  if (open[0])
    throw new ActionRefused(
      'conflict',
      `a renewal of this certificate on ${alert.hostname} is already open: "${open[0].title}" (${open[0].id})`,
    );

  const template = await renewalTemplate(tx);
  const usable = template?.state === 'approved' ? template : undefined;
  const window = await planRenewalWindow(tx, alert.tags, expiresAt, now);
  const context = [
    `Renew the certificate ${alert.subject ?? fingerprint} served by ${alert.hostname}:${alert.port}, which expires ${when(expiresAt)} UTC.`,
    `Drafted from the alert "${alert.rule_name}".`,
    window.note ? `Window: ${window.note}.` : '',
    template && !usable
      ? `The renewal template "${template.name}" is not approved yet: this is a normal change.`
      : '',
  ].filter(Boolean);
  const change = await createChange(
    tx,
    {
      ...(usable ? { templateId: usable.id } : { type: 'normal' as const }),
      title: `Renew the certificate of ${alert.hostname}:${alert.port} before ${expiresAt.toISOString().slice(0, 10)}`,
      description: [usable?.description ?? '', ...context].filter(Boolean).join('\n\n'),
      plannedStart: window.start,
      plannedEnd: window.end,
      affectedHostIds: [alert.host_id],
      certificateFingerprint: fingerprint,
      alertIds: [alert.id],
    },
    actor,
    now,
  );
  return { ...change, collisions: (await collisionsOf(tx, [change.id])).get(change.id) ?? [] };
}

/** The alert, refused unless it is an open alert of an "expires within" rule, with its host's certificate. */
async function expiryAlert(tx: WorkspaceTx, id: string): Promise<AlertRow> {
  const { rows } = await tx.query<AlertRow>(
    `SELECT a.id, a.state, a.host_id, r.predicate, r.name AS rule_name, h.hostname, h.port, h.tags,
            s.fingerprint, s.not_after, c.subject
     FROM alerts a JOIN alert_rules r ON r.id = a.rule_id JOIN hosts h ON h.id = a.host_id
     LEFT JOIN host_status s ON s.host_id = a.host_id
     LEFT JOIN certificates c ON c.workspace_id = a.workspace_id AND c.fingerprint = s.fingerprint
     WHERE a.id = $1`,
    [id],
  );
  const alert = rows[0];
  if (!alert) throw invalidField(['alertId'], 'no such alert in this workspace');
  const predicate = AlertPredicate.safeParse(alert.predicate);
  if (!predicate.success || predicate.data.kind !== 'expires_within')
    throw invalidField(
      ['alertId'],
      `the alert "${alert.rule_name}" is not about an expiring certificate: only those draft a renewal`,
    );
  if (alert.state !== 'open')
    throw new ActionRefused('stale', 'the alert is resolved: the certificate no longer expires soon');
  return alert;
}
