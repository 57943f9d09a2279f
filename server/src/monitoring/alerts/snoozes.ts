import type { Actor, WorkspaceTx } from '../../db/tx.ts';
import { ActionRefused } from '../../domain-errors.ts';
import { actorRef } from './alert-actions.ts';

/**
 * Listing and lifting snoozes (alert-actions.ts creates them). A lifted snooze is ended, not
 * deleted: its `until` becomes the moment it was lifted, so the row still says who snoozed what,
 * and the replicas' copies (snoozes replicate) stop covering at once.
 */

/** A snooze in force, with what it names in words. */
export type SnoozeView = {
  id: string;
  hostId: string | null;
  hostname: string | null;
  port: number | null;
  ruleId: string | null;
  ruleName: string | null;
  until: Date;
  reason: string | null;
  createdBy: string;
  createdAt: Date;
};

type SnoozeRow = {
  id: string;
  host_id: string | null;
  hostname: string | null;
  port: number | null;
  rule_id: string | null;
  rule_name: string | null;
  until: Date;
  reason: string | null;
  created_by: string;
  created_at: Date;
};

/** The snoozes still in force at `now`, those ending soonest first. */
export async function listSnoozes(tx: WorkspaceTx, now: Date): Promise<SnoozeView[]> {
  const { rows } = await tx.query<SnoozeRow>(
    `SELECT s.id, s.host_id, h.hostname, h.port, s.rule_id, r.name AS rule_name, s.until, s.reason,
            s.created_by, s.created_at
     FROM snoozes s LEFT JOIN hosts h ON h.id = s.host_id LEFT JOIN alert_rules r ON r.id = s.rule_id
     WHERE s.until > $1 ORDER BY s.until, s.id`,
    [now],
  );
  return rows.map((r) => ({
    id: r.id,
    hostId: r.host_id,
    hostname: r.hostname,
    port: r.port,
    ruleId: r.rule_id,
    ruleName: r.rule_name,
    until: r.until,
    reason: r.reason,
    createdBy: r.created_by,
    createdAt: r.created_at,
  }));
}

/**
 * Lifts a snooze now: alerts of what it named open and notify again from the next evaluation.
 * A snooze already over is `already_decided` (it lifted itself, or someone lifted it first).
 */
export async function liftSnooze(
  tx: WorkspaceTx,
  input: { id: string; actor: Actor; now: Date },
): Promise<{ id: string; until: Date }> {
  const { rows } = await tx.query<{ host_id: string | null; rule_id: string | null; until: Date }>(
    'SELECT host_id, rule_id, until FROM snoozes WHERE id = $1 FOR UPDATE',
    [input.id],
  );
  const before = rows[0];
  if (!before) throw new ActionRefused('not_found', 'no such snooze in this workspace');
  if (before.until <= input.now) throw new ActionRefused('already_decided', 'the snooze has already ended');
  await tx.query('UPDATE snoozes SET until = $2 WHERE id = $1', [input.id, input.now]);
  const subject = { hostId: before.host_id, ruleId: before.rule_id };
  await tx.record({
    action: 'alert.unsnoozed',
    target: { type: before.host_id ? 'host' : 'alert_rule', id: before.host_id ?? before.rule_id ?? '' },
    summary: { before: { until: before.until, ...subject }, after: { until: input.now }, snoozeId: input.id },
    event: 'alert.unsnoozed',
    payload: { snoozeId: input.id, ...subject, liftedBy: actorRef(input.actor) },
  });
  return { id: input.id, until: input.now };
}
