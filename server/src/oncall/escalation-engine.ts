import { type EscalationStep, escalationStepSchema } from '@vigilo/shared/oncall';
import { onCallAt } from '@vigilo/shared/rotation';
import type pg from 'pg';
import { z } from 'zod';
import { enterWorkspace, type TxContext, withOwnerTx, withWorkspace, type WorkspaceTx } from '../db/tx.ts';
import { type AlertFacts, alertFacts, routeOf } from './alert-routing.ts';
import { loadSchedule } from './schedule-views.ts';

/**
 * Escalation on durable timers (DESIGN.md §5 step 5). Two passes, both safe to run in any number of
 * server processes at once:
 *
 * 1. {@link consumeAlertEvents} follows each workspace's event log with its own cursor
 *    ('escalation' in event_cursors, locked per workspace like the dispatcher's): an `alert.opened`
 *    on a routed rule or host tag, or of an SLO naming a policy or over a routed tag (alert-routing.ts),
 *    starts an escalation whose first step is due at once; the alert's open, acknowledge and
 *    resolve also go to the route's channels (per-rule channels, beside the channels' own event
 *    subscriptions), and acknowledge and resolve to every channel the escalation paged, so a
 *    pager's incident closes with the alert.
 * 2. {@link fireDueEscalations} claims one due escalation at a time with FOR UPDATE SKIP LOCKED
 *    and fires its step in that transaction: a step fires once however many processes look, and
 *    a process that dies mid-step leaves the timer due for the next one. The timer is a column
 *    (escalations.next_fire_at), so a restart loses nothing.
 *
 * Acknowledging or resolving an alert stops its escalation in the same transaction
 * ({@link stopEscalation}, called from the alert actions, and when a rule's disabling or removal
 * resolves its alerts); the consumer also stops it when the rule engine resolves the alert, and a
 * step never pages for an alert no longer open and unacknowledged.
 */

const ENGINE: TxContext = { actor: { type: 'system', id: 'escalation' }, requestId: undefined };
const CONSUMER = 'escalation';
const BATCH = 500;
const stepsSchema = z.array(escalationStepSchema);

/** Both passes, for every workspace: what the scheduler's job runs. */
export async function runEscalations(owner: pg.Pool, now: Date): Promise<{ started: number; fired: number }> {
  const { rows } = await owner.query<{ id: string }>('SELECT id FROM workspaces ORDER BY id');
  let started = 0;
  for (const { id } of rows) started += await consumeAlertEvents(owner, id, now);
  const fired = await fireDueEscalations(owner, now);
  return { started, fired };
}

/** Queues the event for channels (ON CONFLICT: a channel subscribed to it anyway gets it once). */
async function deliverTo(tx: WorkspaceTx, channelIds: readonly string[], eventSeq: number): Promise<void> {
  if (channelIds.length === 0) return;
  await tx.query(
    `INSERT INTO deliveries (workspace_id, channel_id, event_seq)
     SELECT $1, c.id, $3 FROM channels c WHERE c.workspace_id = $1 AND c.id = ANY($2::uuid[]) AND c.enabled
     ON CONFLICT DO NOTHING`,
    [tx.workspaceId, channelIds, eventSeq],
  );
}

/**
 * Reads the workspace's events since the escalation cursor: starts escalations for alerts that
 * opened on a routed rule or tag, fans the alert's events out to its route's channels, and stops
 * escalations of alerts that resolved or were acknowledged. Returns how many escalations started.
 */
export async function consumeAlertEvents(owner: pg.Pool, workspaceId: string, now: Date): Promise<number> {
  let started = 0;
  for (;;) {
    const { count, begun } = await withWorkspace(owner, workspaceId, ENGINE, async (tx) => {
      await tx.query(
        'INSERT INTO event_cursors (consumer, workspace_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [CONSUMER, workspaceId],
      );
      // Locked: two processes never read the same events; the second waits, then sees the new cursor.
      const cursor = await tx.query<{ last_seq: string }>(
        'SELECT last_seq FROM event_cursors WHERE consumer = $1 AND workspace_id = $2 FOR UPDATE',
        [CONSUMER, workspaceId],
      );
      const after = Number(cursor.rows[0]?.last_seq ?? 0);
      // A workspace with no route, no SLO naming a policy and no escalation has nothing to start,
      // stop or fan out: skip to its head instead of reading its events (the first pass would
      // otherwise read its history).
      const inUse = await tx.query<{ used: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM alert_routes WHERE workspace_id = $1)
             OR EXISTS (SELECT 1 FROM slos WHERE workspace_id = $1 AND escalation_policy_id IS NOT NULL)
             OR EXISTS (SELECT 1 FROM escalations WHERE workspace_id = $1) AS used`,
        [workspaceId],
      );
      if (inUse.rows[0]?.used !== true) {
        await tx.query(
          `UPDATE event_cursors c SET last_seq = h.event_seq FROM workspace_heads h
           WHERE c.consumer = $1 AND c.workspace_id = $2 AND h.workspace_id = $2`,
          [CONSUMER, workspaceId],
        );
        return { count: 0, begun: 0 };
      }
      const events = await tx.query<{ seq: string; type: string; payload: { alertId?: unknown } }>(
        'SELECT seq, type, payload FROM events WHERE workspace_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
        [workspaceId, after, BATCH],
      );
      let begun = 0;
      for (const e of events.rows) {
        const alertId = typeof e.payload.alertId === 'string' ? e.payload.alertId : undefined;
        if (!alertId || !['alert.opened', 'alert.acknowledged', 'alert.resolved'].includes(e.type)) continue;
        const alert = await alertFacts(tx, alertId);
        if (!alert) continue;
        const route = await routeOf(tx, alert);
        const seq = Number(e.seq);
        if (e.type === 'alert.opened') {
          if (alert.suppressed) continue;
          await deliverTo(tx, route.channelIds, seq);
          if (route.policyId && alert.state === 'open' && alert.acknowledged_at === null) {
            if (await startEscalation(tx, alert, route.policyId, now)) begun += 1;
          }
        } else {
          await deliverEnd(tx, alert, route, seq);
          // The rule engine resolves alerts without the alert actions: stop here too (idempotent).
          await stopEscalation(tx, {
            alertId,
            state: e.type === 'alert.resolved' ? 'resolved' : 'acknowledged',
            by: 'system:escalation',
            now,
          });
        }
      }
      const last = events.rows.at(-1);
      if (last)
        await tx.query('UPDATE event_cursors SET last_seq = $3 WHERE consumer = $1 AND workspace_id = $2', [
          CONSUMER,
          workspaceId,
          last.seq,
        ]);
      return { count: events.rows.length, begun };
    });
    started += begun;
    if (count < BATCH) return started;
  }
}

/**
 * Queues an alert's acknowledge or resolve event for its route's channels and every channel its
 * escalation paged, so a pager's incident closes with the alert. Nothing for a suppressed alert,
 * whose open was never sent.
 */
async function deliverEnd(
  tx: WorkspaceTx,
  alert: AlertFacts,
  route: { channelIds: string[] },
  eventSeq: number,
): Promise<void> {
  if (alert.suppressed) return;
  const paged = await tx.query<{ channel_id: string }>(
    'SELECT DISTINCT channel_id FROM escalation_pages WHERE workspace_id = $1 AND alert_id = $2 AND channel_id IS NOT NULL',
    [tx.workspaceId, alert.id],
  );
  await deliverTo(tx, [...route.channelIds, ...paged.rows.map((r) => r.channel_id)], eventSeq);
}

/**
 * Delivers the resolve just recorded for an alert that is about to be deleted (its rule's removal
 * cascades to it, its escalation and its pages), as the consumer would on reading the event:
 * by then the consumer finds neither the alert nor whom it paged, and a pager's incident would
 * stay open. Call it right after recording `alert.resolved`, whose number is the workspace head's.
 * Should the consumer still see the alert, the same delivery is not queued twice.
 */
export async function deliverResolveBeforeRemoval(tx: WorkspaceTx, alertId: string): Promise<void> {
  const alert = await alertFacts(tx, alertId);
  if (!alert) return;
  const head = await tx.query<{ event_seq: string }>(
    'SELECT event_seq FROM workspace_heads WHERE workspace_id = $1',
    [tx.workspaceId],
  );
  const seq = head.rows[0]?.event_seq;
  if (seq === undefined) return;
  await deliverEnd(tx, alert, await routeOf(tx, alert), Number(seq));
}

/** Starts the escalation of an alert under a policy (once per alert); its first step is due now. */
async function startEscalation(
  tx: WorkspaceTx,
  alert: AlertFacts,
  policyId: string,
  now: Date,
): Promise<boolean> {
  const policy = await tx.query<{ name: string; steps: unknown; repeat_count: number }>(
    'SELECT name, steps, repeat_count FROM escalation_policies WHERE id = $1 AND workspace_id = $2',
    [policyId, tx.workspaceId],
  );
  const p = policy.rows[0];
  if (!p) return false;
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO escalations (workspace_id, alert_id, policy_id, policy_name, steps, repeat_count, state, next_fire_at, started_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $7) ON CONFLICT (workspace_id, alert_id) DO NOTHING RETURNING id`,
    [tx.workspaceId, alert.id, policyId, p.name, JSON.stringify(p.steps), p.repeat_count, now],
  );
  const id = rows[0]?.id;
  if (!id) return false;
  await tx.record({
    action: 'escalation.started',
    target: { type: 'alert', id: alert.id },
    summary: { after: { escalationId: id, policyId, policy: p.name } },
    event: 'escalation.started',
    payload: { alertId: alert.id, escalationId: id, policyId, policy: p.name, hostname: alert.hostname },
  });
  return true;
}

/**
 * Stops an alert's active escalation (acknowledged or resolved), recording who stopped it; does
 * nothing when there is none. Called in the transaction that acknowledges or resolves the alert.
 */
export async function stopEscalation(
  tx: WorkspaceTx,
  input: { alertId: string; state: 'acknowledged' | 'resolved'; by: string; now: Date },
): Promise<boolean> {
  const { rows } = await tx.query<{ id: string }>(
    `UPDATE escalations SET state = $2, next_fire_at = NULL, stopped_at = $3, stopped_by = $4
     WHERE workspace_id = $5 AND alert_id = $1 AND state = 'active' RETURNING id`,
    [input.alertId, input.state, input.now, input.by, tx.workspaceId],
  );
  const id = rows[0]?.id;
  if (!id) return false;
  await tx.record({
    action: 'escalation.stopped',
    target: { type: 'alert', id: input.alertId },
    summary: { after: { escalationId: id, reason: input.state, by: input.by } },
    event: 'escalation.stopped',
    payload: { alertId: input.alertId, escalationId: id, reason: input.state, by: input.by },
  });
  return true;
}

/**
 * Fires every escalation step that is due at `now`, one claimed row per transaction. Returns how
 * many steps fired. `limit` bounds one pass (the rest wait for the next).
 */
export async function fireDueEscalations(owner: pg.Pool, now: Date, limit = 200): Promise<number> {
  let fired = 0;
  while (fired < limit) {
    const did = await withOwnerTx(owner, async (client) => {
      const { rows } = await client.query<{ id: string; workspace_id: string }>(
        `SELECT id, workspace_id FROM escalations WHERE state = 'active' AND next_fire_at <= $1
         ORDER BY next_fire_at FOR UPDATE SKIP LOCKED LIMIT 1`,
        [now],
      );
      const row = rows[0];
      if (!row) return false;
      await fireStep(await enterWorkspace(client, row.workspace_id, ENGINE), row.id, now);
      return true;
    });
    if (!did) break;
    fired += 1;
  }
  return fired;
}

type EscalationRow = {
  id: string;
  alert_id: string;
  steps: unknown;
  repeat_count: number;
  next_step: number;
  round: number;
};

/** Fires the due step of a claimed escalation, then sets its next timer or ends it. */
async function fireStep(tx: WorkspaceTx, escalationId: string, now: Date): Promise<void> {
  const { rows } = await tx.query<EscalationRow>(
    'SELECT id, alert_id, steps, repeat_count, next_step, round FROM escalations WHERE id = $1 AND workspace_id = $2',
    [escalationId, tx.workspaceId],
  );
  const esc = rows[0];
  if (!esc) return;
  const alert = await alertFacts(tx, esc.alert_id);
  // Acknowledged or resolved without the stop reaching this row (it should not happen): stop now.
  if (!alert || alert.state !== 'open' || alert.acknowledged_at !== null) {
    await stopEscalation(tx, {
      alertId: esc.alert_id,
      state: alert?.acknowledged_at ? 'acknowledged' : 'resolved',
      by: 'system:escalation',
      now,
    });
    return;
  }
  const steps = stepsSchema.parse(esc.steps);
  const step = steps[esc.next_step];
  if (step) await page(tx, esc, step, alert, now);
  const lastStep = esc.next_step + 1 >= steps.length;
  const nextStep = lastStep ? 0 : esc.next_step + 1;
  const nextRound = lastStep ? esc.round + 1 : esc.round;
  if (!step || nextRound > esc.repeat_count) {
    // Every step of every round has paged: nobody more to wake. The alert stays open.
    await tx.query(
      `UPDATE escalations SET state = 'exhausted', next_fire_at = NULL, stopped_at = $2, next_step = $3, round = $4 WHERE id = $1`,
      [esc.id, now, nextStep, nextRound],
    );
    await tx.record({
      action: 'escalation.exhausted',
      target: { type: 'alert', id: esc.alert_id },
      summary: { after: { escalationId: esc.id, rounds: nextRound } },
      event: 'escalation.stopped',
      payload: { alertId: esc.alert_id, escalationId: esc.id, reason: 'exhausted', by: 'system:escalation' },
    });
    return;
  }
  await tx.query('UPDATE escalations SET next_step = $2, round = $3, next_fire_at = $4 WHERE id = $1', [
    esc.id,
    nextStep,
    nextRound,
    new Date(now.getTime() + step.waitMinutes * 60_000),
  ]);
}

/** Pages every target of one step: people (a schedule's on-call, named members) and channels. */
async function page(tx: WorkspaceTx, esc: EscalationRow, step: EscalationStep, alert: AlertFacts, now: Date) {
  const summary = alert.hostname ? `${alert.hostname}: ${alert.summary}` : alert.summary;
  const people = new Map<string, string | null>(); // user id → the schedule that named them
  for (const target of step.targets) {
    switch (target.kind) {
      case 'schedule': {
        const schedule = await loadSchedule(tx, target.scheduleId, now);
        const who = schedule ? onCallAt(schedule, now).userId : null;
        if (who) {
          if (!people.has(who)) people.set(who, target.scheduleId);
        } else {
          await tx.record({
            action: 'escalation.nobody_on_call',
            target: { type: 'alert', id: esc.alert_id },
            summary: {
              after: {
                escalationId: esc.id,
                scheduleId: target.scheduleId,
                step: esc.next_step,
                round: esc.round,
              },
            },
            event: 'escalation.missed',
            payload: {
              alertId: esc.alert_id,
              escalationId: esc.id,
              scheduleId: target.scheduleId,
              hostname: alert.hostname,
            },
          });
        }
        break;
      }
      case 'members':
        for (const userId of target.userIds) if (!people.has(userId)) people.set(userId, null);
        break;
      case 'channel': {
        await tx.query(
          `INSERT INTO escalation_pages (workspace_id, escalation_id, alert_id, step, round, channel_id, summary, paged_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [tx.workspaceId, esc.id, esc.alert_id, esc.next_step, esc.round, target.channelId, summary, now],
        );
        await tx.record({
          action: 'escalation.paged',
          target: { type: 'alert', id: esc.alert_id },
          summary: {
            after: {
              escalationId: esc.id,
              channelId: target.channelId,
              step: esc.next_step,
              round: esc.round,
            },
          },
          event: 'escalation.paged',
          payload: pagePayload(esc, alert, summary, { channelId: target.channelId }),
        });
        // The event just appended took the workspace head's number: deliver that one event.
        const head = await tx.query<{ event_seq: string }>(
          'SELECT event_seq FROM workspace_heads WHERE workspace_id = $1',
          [tx.workspaceId],
        );
        const seq = head.rows[0]?.event_seq;
        if (seq !== undefined) await deliverTo(tx, [target.channelId], Number(seq));
        break;
      }
      default: {
        const never: never = target;
        throw new Error(`unknown escalation target ${JSON.stringify(never)}`);
      }
    }
  }
  for (const [userId, scheduleId] of people) {
    await tx.query(
      `INSERT INTO escalation_pages (workspace_id, escalation_id, alert_id, step, round, user_id, schedule_id, summary, paged_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [tx.workspaceId, esc.id, esc.alert_id, esc.next_step, esc.round, userId, scheduleId, summary, now],
    );
    await tx.record({
      action: 'escalation.paged',
      target: { type: 'alert', id: esc.alert_id },
      summary: { after: { escalationId: esc.id, userId, scheduleId, step: esc.next_step, round: esc.round } },
      event: 'escalation.paged',
      payload: pagePayload(esc, alert, summary, { userId, scheduleId }),
    });
  }
}

function pagePayload(
  esc: EscalationRow,
  alert: AlertFacts,
  summary: string,
  who: Record<string, string | null>,
) {
  return {
    alertId: esc.alert_id,
    escalationId: esc.id,
    step: esc.next_step,
    round: esc.round,
    ...who,
    hostname: alert.hostname,
    severity: alert.severity,
    // Channels word a message from `name` (server/src/events/delivery-worker.ts): the alert itself.
    name: summary,
  };
}
