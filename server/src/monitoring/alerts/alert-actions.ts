import type { Actor, WorkspaceTx } from '../../db/tx.ts';
import { SNOOZE_PRESETS, type SnoozePreset } from '@vigilo/shared/outbox';
import { ActionRefused } from '../../domain-errors.ts';
import { stopEscalation } from '../../oncall/escalation-engine.ts';

/**
 * What people do to an alert — acknowledge, snooze, comment, resolve — written once and used by
 * both doors: the `alerts.*` procedures (online clients) and the desktop's outbox kinds
 * (server/src/sync/kinds/alerts.ts). Each writes its audit row and event in the caller's
 * transaction. An expected refusal is an `ActionRefused` (server/src/domain-errors.ts).
 */

// One list of presets for the API, the outbox and the desktop (the shared outbox contract).
export { SNOOZE_PRESETS, type SnoozePreset };

/** How an actor is named on the rows it touches (`user:<id>`, `api_token:<id>`). */
export const actorRef = (actor: Actor): string => `${actor.type}:${actor.id}`;

type LockedAlert = {
  id: string;
  state: string;
  // An SLO's alert (migration 0018) may have no host and has no rule.
  host_id: string | null;
  rule_id: string | null;
  hostname: string | null;
  acknowledged_by: string | null;
};

/** Locks the alert for the rest of the transaction, or refuses when it does not exist. */
async function lockAlert(tx: WorkspaceTx, alertId: string): Promise<LockedAlert> {
  const { rows } = await tx.query<LockedAlert>(
    `SELECT a.id, a.state, a.host_id, a.rule_id, h.hostname, a.acknowledged_by
     FROM alerts a LEFT JOIN hosts h ON h.id = a.host_id WHERE a.id = $1 FOR UPDATE OF a`,
    [alertId],
  );
  const alert = rows[0];
  if (!alert) throw new ActionRefused('not_found', 'the alert no longer exists');
  return alert;
}

/**
 * Acknowledges an open alert. Acknowledging again is a no-op for the same actor (a retried
 * request) and a refusal for anyone else: the first acknowledgement stands and is news to show.
 */
export async function acknowledgeAlert(
  tx: WorkspaceTx,
  input: { alertId: string; note: string | undefined; actor: Actor; now: Date },
): Promise<{ alertId: string; acknowledgedAt: Date }> {
  const alert = await lockAlert(tx, input.alertId);
  if (alert.state === 'resolved') {
    throw new ActionRefused('already_decided', 'the alert resolved before your acknowledgement arrived');
  }
  const me = actorRef(input.actor);
  if (alert.acknowledged_by !== null) {
    // Rows acknowledged through the first desktop kind carry the bare id: the same person too.
    if (alert.acknowledged_by !== me && alert.acknowledged_by !== input.actor.id) {
      throw new ActionRefused('already_decided', 'someone else acknowledged the alert first');
    }
    const { rows } = await tx.query<{ acknowledged_at: Date }>(
      'SELECT acknowledged_at FROM alerts WHERE id = $1',
      [input.alertId],
    );
    return { alertId: input.alertId, acknowledgedAt: rows[0]?.acknowledged_at ?? input.now };
  }
  await tx.query(
    'UPDATE alerts SET acknowledged_at = $2, acknowledged_by = $3, ack_note = $4 WHERE id = $1',
    [input.alertId, input.now, me, input.note ?? null],
  );
  await tx.record({
    action: 'alert.acknowledged',
    target: { type: 'alert', id: input.alertId },
    summary: { after: { acknowledgedBy: me, note: input.note ?? null } },
    event: 'alert.acknowledged',
    payload: {
      alertId: input.alertId,
      hostname: alert.hostname,
      acknowledgedBy: me,
      note: input.note ?? null,
    },
  });
  // Someone has it: nobody more is paged for it (server/src/oncall/escalation-engine.ts).
  await stopEscalation(tx, { alertId: input.alertId, state: 'acknowledged', by: me, now: input.now });
  return { alertId: input.alertId, acknowledgedAt: input.now };
}

/**
 * Snoozes a host, a rule, or one rule on one host until a time. Later alerts of what is snoozed
 * open silently (server/src/monitoring/alerts/rule-engine.ts); an alert already open stays open.
 */
export async function createSnooze(
  tx: WorkspaceTx,
  input: {
    hostId: string | undefined;
    ruleId: string | undefined;
    until: Date;
    reason: string | undefined;
    actor: Actor;
    now: Date;
    /** The alert that was snoozed from, when there is one (kept in the audit row). */
    alertId?: string;
  },
): Promise<{ id: string; until: Date }> {
  if (!input.hostId && !input.ruleId) throw new ActionRefused('invalid', 'snooze a host, a rule, or both');
  if (input.until <= input.now) throw new ActionRefused('invalid', 'until must be in the future');
  // Looked up under the workspace's RLS first: a foreign key alone would accept another
  // tenant's id (key checks bypass row security) and answer a made-up one with a raw error.
  // FOR SHARE keeps them from being removed before this commits.
  if (input.hostId) {
    const host = await tx.query('SELECT 1 FROM hosts WHERE id = $1 FOR SHARE', [input.hostId]);
    if (host.rowCount === 0) throw new ActionRefused('not_found', 'hostId: no such host in this workspace');
  }
  if (input.ruleId) {
    const rule = await tx.query('SELECT 1 FROM alert_rules WHERE id = $1 FOR SHARE', [input.ruleId]);
    if (rule.rowCount === 0)
      throw new ActionRefused('not_found', 'ruleId: no such alert rule in this workspace');
  }
  const { rows } = await tx.query<{ id: string }>(
    'INSERT INTO snoozes (workspace_id, host_id, rule_id, until, reason, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
    [
      tx.workspaceId,
      input.hostId ?? null,
      input.ruleId ?? null,
      input.until,
      input.reason ?? null,
      actorRef(input.actor),
    ],
  );
  const id = rows[0]?.id ?? '';
  const subject = { ruleId: input.ruleId ?? null, hostId: input.hostId ?? null };
  await tx.record({
    action: 'alert.snoozed',
    target: { type: input.hostId ? 'host' : 'alert_rule', id: input.hostId ?? input.ruleId ?? '' },
    summary: {
      after: { until: input.until, ...subject, reason: input.reason ?? null, alertId: input.alertId ?? null },
    },
    event: 'alert.snoozed',
    payload: { snoozeId: id, ...subject, until: input.until.toISOString(), alertId: input.alertId ?? null },
  });
  return { id, until: input.until };
}

/** Snoozes the rule on the host of an open alert, for a preset duration. */
export async function snoozeAlert(
  tx: WorkspaceTx,
  input: { alertId: string; duration: SnoozePreset; reason: string | undefined; actor: Actor; now: Date },
): Promise<{ id: string; until: Date }> {
  const alert = await lockAlert(tx, input.alertId);
  if (alert.state === 'resolved') {
    throw new ActionRefused('already_decided', 'the alert resolved before your snooze arrived');
  }
  // Snoozes hold back a rule's alerts; an SLO's burn-rate alert resolves when the burn stops.
  if (alert.rule_id === null)
    throw new ActionRefused(
      'invalid',
      'an SLO alert cannot be snoozed: it resolves once the budget stops burning',
    );
  return createSnooze(tx, {
    hostId: alert.host_id ?? undefined,
    ruleId: alert.rule_id,
    until: new Date(input.now.getTime() + SNOOZE_PRESETS[input.duration]),
    reason: input.reason,
    actor: input.actor,
    now: input.now,
    alertId: input.alertId,
  });
}

/**
 * Resolves an open alert by hand ("fixed it"). If its condition still holds, the rule engine
 * opens a new alert at its next evaluation: a manual resolve never hides a live problem.
 */
export async function resolveAlert(
  tx: WorkspaceTx,
  input: { alertId: string; note: string | undefined; actor: Actor; now: Date },
): Promise<{ alertId: string; resolvedAt: Date }> {
  const alert = await lockAlert(tx, input.alertId);
  if (alert.state === 'resolved') {
    throw new ActionRefused('already_decided', 'the alert had already resolved');
  }
  await tx.query("UPDATE alerts SET state = 'resolved', resolved_at = $2 WHERE id = $1", [
    input.alertId,
    input.now,
  ]);
  const by = actorRef(input.actor);
  await tx.record({
    action: 'alert.resolved',
    target: { type: 'alert', id: input.alertId },
    summary: { after: { resolvedBy: by, manual: true, note: input.note ?? null } },
    event: 'alert.resolved',
    payload: {
      alertId: input.alertId,
      ruleId: alert.rule_id,
      hostId: alert.host_id,
      hostname: alert.hostname,
      resolvedBy: by,
      note: input.note ?? null,
    },
  });
  await stopEscalation(tx, { alertId: input.alertId, state: 'resolved', by, now: input.now });
  return { alertId: input.alertId, resolvedAt: input.now };
}

/**
 * Adds a comment to an alert's timeline. The id is the client's (a desktop writes the comment
 * offline under that id), so the same comment sent twice is one comment.
 */
export async function commentOnAlert(
  tx: WorkspaceTx,
  input: { commentId: string; alertId: string; body: string; actor: Actor; now: Date },
): Promise<{ id: string; createdAt: Date }> {
  await lockAlert(tx, input.alertId);
  const by = actorRef(input.actor);
  const inserted = await tx.query<{ created_at: Date }>(
    `INSERT INTO comments (id, workspace_id, target_type, target_id, body, author, created_at)
     VALUES ($1, $2, 'alert', $3, $4, $5, $6) ON CONFLICT (workspace_id, id) DO NOTHING RETURNING created_at`,
    [input.commentId, tx.workspaceId, input.alertId, input.body, by, input.now],
  );
  const created = inserted.rows[0];
  if (!created) {
    // Sent before: the same comment again is that comment; another one under its id is refused.
    const { rows } = await tx.query<{ created_at: Date; author: string; target_id: string }>(
      'SELECT created_at, author, target_id::text FROM comments WHERE id = $1',
      [input.commentId],
    );
    const existing = rows[0];
    if (!existing || existing.author !== by || existing.target_id !== input.alertId) {
      throw new ActionRefused('invalid', 'commentId is already used by another comment');
    }
    return { id: input.commentId, createdAt: existing.created_at };
  }
  await tx.record({
    action: 'alert.commented',
    target: { type: 'alert', id: input.alertId },
    summary: { after: { commentId: input.commentId, body: input.body } },
    event: 'alert.commented',
    payload: { alertId: input.alertId, commentId: input.commentId, author: by },
  });
  return { id: input.commentId, createdAt: created.created_at };
}
