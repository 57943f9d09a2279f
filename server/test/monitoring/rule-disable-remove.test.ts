import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent, type TestAgent } from '@vigilo/tests/support/agent';
import { removeDefaultAlertRules } from '@vigilo/tests/support/alerts';
import { ownerInWorkspace } from '@vigilo/tests/support/database';
import { makeSnapshot } from '@vigilo/tests/support/snapshots';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { createDeliveryWorker } from '../../src/events/delivery-worker.ts';
import { outboundPolicy } from '../../src/integrations/outbound/policy.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { runEscalations } from '../../src/oncall/escalation-engine.ts';
import { startReceiver, type Receiver } from '../integrations/receiver.ts';

/**
 * Disabling or removing an alert rule resolves its open alerts, through the real server: nothing
 * evaluates a disabled or removed rule, so nothing else would. Each resolve has its audit row and
 * event saying why, the alert's escalation stops in the same transaction, and the pager an
 * escalation paged hears the resolve, also when the removal deletes the alert with its rule. A
 * rule enabled again is evaluated at once; a rule with no open alert changes nothing else.
 */
const MINUTE = 60_000;
let now = new Date(Math.floor(Date.now() / MINUTE) * MINUTE);
const clock = () => now;
const advance = (minutes: number) => (now = new Date(now.getTime() + minutes * MINUTE));

let world: World;
let agent: TestAgent;
let receiver: Receiver;
let policyId: string;
let channelId: string;
let memberId: string;
const admin = () => world.client('admin');
const owner = () => world.server.services.db.owner;

/** A host expiring in 3 days on a rule of its own routed to the policy, and its open alert. */
async function openRoutedAlert(hostname: string): Promise<{ alertId: string; ruleId: string }> {
  const host = await admin().hosts.add.mutate({ workspace: 'acme', hostname, port: 443, agentId: agent.id });
  const rule = await admin().alertRules.create.mutate({
    workspace: 'acme',
    name: `expiring ${hostname}`,
    predicate: { kind: 'expires_within', days: 14 },
    scope: { kind: 'host', hostId: host.id },
    severity: 'critical',
  });
  await admin().escalationPolicies.route.mutate({ workspace: 'acme', ruleId: rule.id, policyId });
  await agent.push([
    makeSnapshot({
      hostId: host.id,
      hostname,
      scannedAt: now,
      notAfter: new Date(now.getTime() + 3 * 86_400_000),
    }),
  ]);
  const open = await admin().alerts.list.query({ workspace: 'acme', ruleId: rule.id, state: 'open' });
  const alertId = open.alerts[0]?.id;
  if (!alertId) throw new Error(`no alert opened for ${hostname}`);
  return { alertId, ruleId: rule.id };
}

/** What the log says of an alert: its audit actions (with actor and summary) and its events. */
async function historyOf(alertId: string) {
  const audit = await world
    .client('owner')
    .audit.list.query({ workspace: 'acme', filter: { targetId: alertId }, limit: 200 });
  const events = await ownerInWorkspace(owner(), world.workspace.id, (c) =>
    c.query<{ type: string; payload: { summary?: string; reason?: string } }>(
      "SELECT type, payload FROM events WHERE payload->>'alertId' = $1 ORDER BY seq",
      [alertId],
    ),
  );
  return { audit: audit.rows, events: events.rows };
}

/** The PagerDuty actions the receiver got for an alert, once the deliveries ran. */
async function pagerActions(alertId: string): Promise<string[]> {
  await runEscalations(owner(), now);
  // Deliveries are due from the database's now(); the injected clock started on the minute.
  advance(1);
  const worker = createDeliveryWorker({
    owner: owner(),
    secrets: world.server.services.secrets,
    log: createLogger('silent'),
    clock,
    backoff: { baseMs: 1000, capMs: 60_000, maxAttempts: 3, jitter: 'full' },
    disableAfterFailures: 10,
    timeoutMs: 2000,
    outbound: outboundPolicy({ allow: world.server.services.config.outboundAllow }),
  });
  await worker.runOnce();
  return receiver.requests
    .map((r) => JSON.parse(r.body) as { event_action: string; dedup_key: string })
    .filter((e) => e.dedup_key === `alert:${alertId}`)
    .map((e) => e.event_action);
}

/** Every alert's state, and how many audit rows, events and escalations the workspace holds. */
async function workspaceState() {
  return ownerInWorkspace(owner(), world.workspace.id, async (c) => {
    const alerts = await c.query('SELECT id, state, resolved_at FROM alerts ORDER BY id');
    const counts = await c.query<{ audit: number; events: number }>(
      `SELECT (SELECT count(*)::int FROM audit_events) AS audit, (SELECT count(*)::int FROM events) AS events`,
    );
    const escalations = await c.query('SELECT id, state, next_fire_at FROM escalations ORDER BY id');
    const { audit, events } = counts.rows[0]!;
    return { alerts: alerts.rows, escalations: escalations.rows, audit, events };
  });
}

beforeAll(async () => {
  world = await createWorld({ clock });
  await removeDefaultAlertRules(world);
  agent = await enrollAgent(world, 'dc1');
  receiver = await startReceiver({ respond: 202, body: '{"status":"success","message":"Event processed"}' });
  for (const m of await admin().members.list.query({ workspace: 'acme' }))
    if (m.email === 'member@example.test' && m.userId) memberId = m.userId;
  ({ id: channelId } = await admin().channels.create.mutate({
    workspace: 'acme',
    name: 'pager',
    type: 'pagerduty',
    // Hears nothing by subscription: only what the escalation pages and its alert's end.
    config: { routingKey: 'R0123456789abcdefABCDEF012345678', eventsUrl: receiver.url },
    eventTypes: ['change.approved'],
  }));
  ({ id: policyId } = await admin().escalationPolicies.create.mutate({
    workspace: 'acme',
    name: 'Default',
    steps: [
      {
        targets: [
          { kind: 'members', userIds: [memberId] },
          { kind: 'channel', channelId },
        ],
        waitMinutes: 5,
      },
    ],
    repeatCount: 2,
  }));
});
afterAll(async () => {
  await receiver?.close();
  await world?.close();
});

describe('disabling an alert rule', () => {
  it('resolves its open alert with its audit row and event, stops its escalation, and tells the pager', async () => {
    const { alertId, ruleId } = await openRoutedAlert('pay.example.test');
    expect(await runEscalations(owner(), now)).toEqual({ started: 1, fired: 1 });

    await admin().alertRules.update.mutate({ workspace: 'acme', id: ruleId, enabled: false });

    const { alerts } = await admin().alerts.list.query({ workspace: 'acme', ruleId });
    expect(alerts.map((a) => [a.id, a.state])).toEqual([[alertId, 'resolved']]);
    const { audit, events } = await historyOf(alertId);
    const resolved = audit.filter((r) => r.action === 'alert.resolved');
    expect(resolved).toHaveLength(1);
    expect(resolved[0]).toMatchObject({ actorType: 'system', actorId: 'rule-engine' });
    expect(resolved[0]!.summary).toContain('rule disabled');
    expect(audit.map((r) => r.action)).toContain('escalation.stopped');
    expect(events.filter((e) => e.type === 'alert.resolved').map((e) => e.payload.summary)).toEqual([
      'rule disabled',
    ]);
    // Stopped in the disabling transaction: no later timer pages anyone.
    expect(await admin().escalationPolicies.escalation.query({ workspace: 'acme', alertId })).toMatchObject({
      state: 'resolved',
      nextFireAt: null,
      stoppedBy: 'system:rule-engine',
      pages: [{}, {}],
    });
    advance(30);
    expect((await runEscalations(owner(), now)).fired).toBe(0);
    expect(await pagerActions(alertId)).toEqual(['trigger', 'resolve']);
  });

  it('is evaluated at once when enabled again: a condition that still holds opens a new alert', async () => {
    const { alertId, ruleId } = await openRoutedAlert('api.example.test');
    await admin().alertRules.update.mutate({ workspace: 'acme', id: ruleId, enabled: false });
    expect((await admin().alerts.list.query({ workspace: 'acme', ruleId, state: 'open' })).alerts).toEqual(
      [],
    );

    await admin().alertRules.update.mutate({ workspace: 'acme', id: ruleId, enabled: true });
    const open = (await admin().alerts.list.query({ workspace: 'acme', ruleId, state: 'open' })).alerts;
    expect(open).toHaveLength(1);
    expect(open[0]?.id).not.toBe(alertId);
    // Disabled again, so its new alert escalates in none of the tests below.
    await admin().alertRules.update.mutate({ workspace: 'acme', id: ruleId, enabled: false });
  });
});

describe('removing an alert rule', () => {
  it('resolves its open alert first: the audit row, event and stop outlive the rows it deletes, and the pager hears it', async () => {
    const { alertId, ruleId } = await openRoutedAlert('shop.example.test');
    expect(await runEscalations(owner(), now)).toMatchObject({ fired: 1 });
    expect(await pagerActions(alertId)).toEqual(['trigger']);

    await admin().alertRules.remove.mutate({ workspace: 'acme', id: ruleId });

    // The alert went with its rule (its history is removed with it), after resolving.
    expect((await admin().alerts.list.query({ workspace: 'acme', ruleId })).alerts).toEqual([]);
    const { audit, events } = await historyOf(alertId);
    const resolved = audit.filter((r) => r.action === 'alert.resolved');
    expect(resolved).toHaveLength(1);
    expect(resolved[0]!.summary).toContain('rule removed');
    const stopped = audit.filter((r) => r.action === 'escalation.stopped');
    expect(stopped).toHaveLength(1);
    expect(stopped[0]!.summary).toContain('resolved');
    expect(events.map((e) => [e.type, e.payload.summary ?? e.payload.reason])).toEqual(
      expect.arrayContaining([
        ['alert.resolved', 'rule removed'],
        ['escalation.stopped', 'resolved'],
      ]),
    );
    advance(30);
    expect((await runEscalations(owner(), now)).fired).toBe(0);
    // The consumer can no longer find the alert or whom it paged: the removal queued the resolve.
    expect(await pagerActions(alertId)).toEqual(['trigger', 'resolve']);
  });
});

describe('a rule with no open alert', () => {
  it('is disabled and removed changing nothing but itself', async () => {
    // An open alert of another rule, which must stay open and keep paging.
    const other = await openRoutedAlert('db.example.test');
    await runEscalations(owner(), now);
    const quiet = await admin().alertRules.create.mutate({
      workspace: 'acme',
      name: 'expiring within a day',
      predicate: { kind: 'expires_within', days: 1 },
      scope: { kind: 'all' },
      severity: 'warning',
    });
    const before = await workspaceState();

    await admin().alertRules.update.mutate({ workspace: 'acme', id: quiet.id, enabled: false });
    let after = await workspaceState();
    expect(after.alerts).toEqual(before.alerts);
    expect(after.escalations).toEqual(before.escalations);
    expect([after.audit - before.audit, after.events - before.events]).toEqual([1, 1]);

    await admin().alertRules.remove.mutate({ workspace: 'acme', id: quiet.id });
    after = await workspaceState();
    expect(after.alerts).toEqual(before.alerts);
    expect(after.escalations).toEqual(before.escalations);
    expect([after.audit - before.audit, after.events - before.events]).toEqual([2, 2]);
    const actions = await world
      .client('owner')
      .audit.list.query({ workspace: 'acme', filter: { targetId: quiet.id }, limit: 10 });
    expect(actions.rows.map((r) => r.action).sort()).toEqual([
      'alert_rule.created',
      'alert_rule.removed',
      'alert_rule.updated',
    ]);
    expect(
      await admin().escalationPolicies.escalation.query({ workspace: 'acme', alertId: other.alertId }),
    ).toMatchObject({ state: 'active' });
  });
});
