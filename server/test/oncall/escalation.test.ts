import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent, type TestAgent } from '@vigilo/tests/support/agent';
import { startTestServer, type TestServer } from '@vigilo/tests/support/server';
import { makeSnapshot } from '@vigilo/tests/support/snapshots';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { createDeliveryWorker } from '../../src/events/delivery-worker.ts';
import { outboundPolicy } from '../../src/integrations/outbound/policy.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { runEscalations } from '../../src/oncall/escalation-engine.ts';
import { startReceiver, type Receiver } from '../integrations/receiver.ts';

/**
 * Escalation through the real server: an alert opened by an agent's push on a rule routed to a
 * policy pages the schedule's on-call, then a named member, then a PagerDuty channel, round after
 * round on an injected clock, until someone acknowledges. The timers are rows: a second server
 * process on the same database fires the next step (a restart), and two processes firing at once
 * page each step once.
 */
const MINUTE = 60_000;
let now = new Date(Math.floor(Date.now() / MINUTE) * MINUTE);
const clock = () => now;
const advance = (minutes: number) => (now = new Date(now.getTime() + minutes * MINUTE));

let world: World;
let second: TestServer;
let agent: TestAgent;
let receiver: Receiver;
const users: Record<string, string> = {};
const hostIds: Record<string, string> = {};
let scheduleId: string;
let policyId: string;
let channelId: string;

/** A host on its own rule routed to the policy, and an alert opened on it by a real push. */
async function openRoutedAlert(hostname: string): Promise<{ alertId: string; ruleId: string }> {
  const admin = world.client('admin');
  const host = await admin.hosts.add.mutate({ workspace: 'acme', hostname, port: 443, agentId: agent.id });
  hostIds[hostname] = host.id;
  const rule = await admin.alertRules.create.mutate({
    workspace: 'acme',
    name: `expiring ${hostname}`,
    predicate: { kind: 'expires_within', days: 14 },
    scope: { kind: 'host', hostId: host.id },
    severity: 'critical',
  });
  await admin.escalationPolicies.route.mutate({
    workspace: 'acme',
    ruleId: rule.id,
    policyId,
    channelIds: [],
  });
  await agent.push([
    makeSnapshot({
      hostId: host.id,
      hostname,
      scannedAt: now,
      notAfter: new Date(now.getTime() + 5 * 86_400_000),
    }),
  ]);
  const open = await admin.alerts.list.query({ workspace: 'acme', state: 'open' });
  const alert = open.alerts.find((a) => a.ruleId === rule.id);
  if (!alert) throw new Error(`no alert opened for ${hostname}`);
  return { alertId: alert.id, ruleId: rule.id };
}

async function pagesOf(alertId: string) {
  const e = await world.client('viewer').escalationPolicies.escalation.query({ workspace: 'acme', alertId });
  return (e?.pages ?? []).map((p) => ({
    step: p.step,
    round: p.round,
    who: p.userId ?? `channel:${p.channelId}`,
  }));
}

beforeAll(async () => {
  world = await createWorld({ clock });
  agent = await enrollAgent(world, 'dc1');
  receiver = await startReceiver({ respond: 202, body: '{"status":"success","message":"Event processed"}' });
  const members = await world.client('admin').members.list.query({ workspace: 'acme' });
  for (const m of members)
    if (m.status === 'member' && m.email) users[m.email.split('@')[0] ?? ''] = m.userId;
  const admin = world.client('admin');
  const midnight = new Date(Math.floor(now.getTime() / 86_400_000) * 86_400_000);
  ({ id: scheduleId } = await admin.schedules.create.mutate({
    workspace: 'acme',
    name: 'Primary',
    layers: [
      {
        memberIds: [users.member ?? '', users.approver ?? ''],
        length: { kind: 'weekly' },
        handoffTime: '00:00',
        timeZone: 'UTC',
        startsAt: midnight,
      },
    ],
  }));
  ({ id: channelId } = await admin.channels.create.mutate({
    workspace: 'acme',
    name: 'pager',
    type: 'pagerduty',
    // The channel hears nothing by subscription: only what the escalation pages and its alert's end.
    config: { routingKey: 'R0123456789abcdefABCDEF012345678', eventsUrl: receiver.url },
    eventTypes: ['change.approved'],
  }));
  ({ id: policyId } = await admin.escalationPolicies.create.mutate({
    workspace: 'acme',
    name: 'Default',
    steps: [
      { targets: [{ kind: 'schedule', scheduleId }], waitMinutes: 5 },
      { targets: [{ kind: 'members', userIds: [users.admin ?? ''] }], waitMinutes: 10 },
      { targets: [{ kind: 'channel', channelId }], waitMinutes: 5 },
    ],
    repeatCount: 1,
  }));
  second = await startTestServer({
    // The same database as a second server process; the world's server drops it at the end.
    database: { ...world.server.database, drop: async () => {} },
    migrateDb: false,
    verifyAccessToken: world.identity.verifyAccessToken,
    clock,
  });
});
afterAll(async () => {
  await second?.close();
  await receiver?.close();
  await world?.close();
});

describe('an escalation', () => {
  it('pages every step in order on the clock, round after round, until acknowledged', async () => {
    const { alertId } = await openRoutedAlert('pay.example.test');
    const owner = world.server.services.db.owner;

    // Opened: the first step (the schedule's on-call, the member this week) pages at once.
    expect(await runEscalations(owner, now)).toEqual({ started: 1, fired: 1 });
    expect(await pagesOf(alertId)).toEqual([{ step: 0, round: 0, who: users.member }]);

    // Nothing more until its five minutes are up.
    advance(4);
    expect((await runEscalations(owner, now)).fired).toBe(0);
    advance(1);
    expect((await runEscalations(owner, now)).fired).toBe(1);
    advance(10);
    expect((await runEscalations(owner, now)).fired).toBe(1);
    // Round two begins with the schedule again.
    advance(5);
    expect((await runEscalations(owner, now)).fired).toBe(1);
    expect(await pagesOf(alertId)).toEqual([
      { step: 0, round: 0, who: users.member },
      { step: 1, round: 0, who: users.admin },
      { step: 2, round: 0, who: `channel:${channelId}` },
      { step: 0, round: 1, who: users.member },
    ]);

    // The member sees the pages addressed to them.
    const mine = await world.client('member').escalationPolicies.pages.query({ workspace: 'acme' });
    expect(mine.filter((p) => p.alertId === alertId)).toHaveLength(2);

    // Acknowledged: the escalation stops, and no later timer pages anyone.
    await world.client('member').alerts.acknowledge.mutate({ workspace: 'acme', id: alertId });
    advance(60);
    expect((await runEscalations(owner, now)).fired).toBe(0);
    const after = await world
      .client('viewer')
      .escalationPolicies.escalation.query({ workspace: 'acme', alertId });
    expect(after).toMatchObject({ state: 'acknowledged', nextFireAt: null });
    expect(after?.pages).toHaveLength(4);
    expect(after?.stoppedBy).toBe(`user:${users.member}`);

    // Every page and the stop are in the audit log, on the alert.
    const audit = await world
      .client('owner')
      .audit.list.query({ workspace: 'acme', filter: { targetId: alertId }, limit: 200 });
    const onAlert = audit.rows.map((e) => e.action);
    expect(onAlert.filter((a) => a === 'escalation.paged')).toHaveLength(4);
    expect(onAlert).toEqual(
      expect.arrayContaining(['escalation.started', 'alert.acknowledged', 'escalation.stopped']),
    );

    // PagerDuty: the page triggered, and the acknowledgement acknowledged, one incident per alert.
    await runEscalations(owner, now); // the consumer routes the acknowledgement to the paged channel
    const worker = createDeliveryWorker({
      owner,
      secrets: world.server.services.secrets,
      log: createLogger('silent'),
      clock,
      backoff: { baseMs: 1000, capMs: 60_000, maxAttempts: 3, jitter: 'full' },
      disableAfterFailures: 10,
      timeoutMs: 2000,
      outbound: outboundPolicy({ allow: world.server.services.config.outboundAllow }),
    });
    await worker.runOnce();
    const sent = receiver.requests.map(
      (r) => JSON.parse(r.body) as { event_action: string; dedup_key: string },
    );
    expect(sent.map((e) => e.event_action)).toEqual(['trigger', 'acknowledge']);
    expect(new Set(sent.map((e) => e.dedup_key))).toEqual(new Set([`alert:${alertId}`]));

    // Resolved: the resolve closes the incident the page opened (the same key).
    await world.client('member').alerts.resolve.mutate({ workspace: 'acme', id: alertId });
    await runEscalations(owner, now);
    advance(1);
    await worker.runOnce();
    const last = JSON.parse(receiver.requests.at(-1)?.body ?? '{}') as {
      event_action: string;
      dedup_key: string;
    };
    expect(receiver.requests).toHaveLength(3);
    expect(last).toMatchObject({ event_action: 'resolve', dedup_key: `alert:${alertId}` });
    // Its certificate still expires: the host goes, so the rule does not open it again for the tests below.
    await world
      .client('admin')
      .hosts.remove.mutate({ workspace: 'acme', id: hostIds['pay.example.test'] ?? '' });
  });

  it('is stopped by resolving the alert', async () => {
    const { alertId } = await openRoutedAlert('shop.example.test');
    const owner = world.server.services.db.owner;
    await runEscalations(owner, now);
    await world.client('member').alerts.resolve.mutate({ workspace: 'acme', id: alertId });
    advance(30);
    expect((await runEscalations(owner, now)).fired).toBe(0);
    expect(
      await world.client('viewer').escalationPolicies.escalation.query({ workspace: 'acme', alertId }),
    ).toMatchObject({
      state: 'resolved',
      pages: [{ step: 0 }],
    });
  });

  it('survives a restart: the next step fires from another server process on the same database', async () => {
    const { alertId } = await openRoutedAlert('api.example.test');
    await runEscalations(world.server.services.db.owner, now);
    expect(await pagesOf(alertId)).toHaveLength(1);
    // The first process is gone; nothing of the timer lived in it.
    await world.server.stop();
    try {
      advance(5);
      // (The alert resolved by hand above reopened, its condition still holding: its step is due too.)
      expect((await runEscalations(second.services.db.owner, now)).fired).toBeGreaterThanOrEqual(1);
      expect(await pagesOf2(alertId)).toEqual([
        { step: 0, round: 0, who: users.member },
        { step: 1, round: 0, who: users.admin },
      ]);
    } finally {
      await world.server.restart();
    }
  });

  it('fires each due step once when two server processes run the timers at the same moment', async () => {
    const alerts: string[] = [];
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f'])
      alerts.push((await openRoutedAlert(`${name}.race.example.test`)).alertId);
    // Start them all (the first step is due at once), then let both processes race for the steps.
    const [one, two] = await Promise.all([
      runEscalations(world.server.services.db.owner, now),
      runEscalations(second.services.db.owner, now),
    ]);
    expect(one.started + two.started).toBe(6);
    advance(5);
    const [three, four] = await Promise.all([
      runEscalations(world.server.services.db.owner, now),
      runEscalations(second.services.db.owner, now),
    ]);
    // Each alert's step 0 and step 1 fired once, wherever they fired.
    expect(one.fired + two.fired + three.fired + four.fired).toBe(12);
    for (const alertId of alerts)
      expect(await pagesOf(alertId)).toEqual([
        { step: 0, round: 0, who: users.member },
        { step: 1, round: 0, who: users.admin },
      ]);
  });
});

/** pagesOf through the second server (the first is not serving HTTP during the restart). */
async function pagesOf2(alertId: string) {
  const { apiClient } = await import('@vigilo/tests/support/client');
  const e = await apiClient(second.url, world.tokens.viewer).escalationPolicies.escalation.query({
    workspace: 'acme',
    alertId,
  });
  return (e?.pages ?? []).map((p) => ({
    step: p.step,
    round: p.round,
    who: p.userId ?? `channel:${p.channelId}`,
  }));
}
