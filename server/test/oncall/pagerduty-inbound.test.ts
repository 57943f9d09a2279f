import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent, type TestAgent } from '@vigilo/tests/support/agent';
import { apiClient } from '@vigilo/tests/support/client';
import { makeSnapshot } from '@vigilo/tests/support/snapshots';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { runEscalations } from '../../src/oncall/escalation-engine.ts';

/**
 * PagerDuty's acknowledgements and resolves coming back through a V3 webhook subscription, over
 * real HTTP to the real server: a signed `incident.acknowledged` whose incident_key is the alert's
 * dedup key acknowledges the alert and stops its escalation (the next step never pages, on an
 * injected clock); `incident.resolved` resolves it; a bad signature changes nothing; a repeated
 * delivery changes nothing more; another workspace's channel cannot touch this workspace's alert.
 */
const MINUTE = 60_000;
let now = new Date(Math.floor(Date.now() / MINUTE) * MINUTE);
const clock = () => now;
const advance = (minutes: number) => (now = new Date(now.getTime() + minutes * MINUTE));

// What PagerDuty shows once when a subscription is created; made up here.
const SECRET = 'pdws_3Jx9Vq2LmN8rT4yB6cD1eF5gH7kP0sWz';
const OTHER_SECRET = 'pdws_otherWorkspaceSecret0123456789ab';

let world: World;
let agent: TestAgent;
let policyId: string;
let channelId: string;
let inboundUrl: string;
let otherChannelId: string;
let otherInboundUrl: string;

/** PagerDuty's signature: v1= hex HMAC-SHA256 of the raw body under the subscription's secret. */
const signatureOf = (body: string, secret: string) =>
  `v1=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;

/** A V3 webhook payload as PagerDuty's documentation shows it, trimmed to what matters. */
function payload(eventType: string, incidentKey: string, by = 'Ada Lovelace'): string {
  return JSON.stringify({
    event: {
      id: `01${Math.random().toString(36).slice(2, 12).toUpperCase()}`,
      event_type: eventType,
      resource_type: 'incident',
      occurred_at: now.toISOString(),
      agent: { id: 'PLH1HKV', summary: by, type: 'user_reference' },
      client: { name: 'PagerDuty' },
      data: {
        id: 'PGR0VU2',
        type: 'incident',
        status: eventType === 'incident.resolved' ? 'resolved' : 'acknowledged',
        incident_key: incidentKey,
        title: 'expiring certificate',
        service: { id: 'PF9KMXH', summary: 'Vigilo', type: 'service_reference' },
      },
    },
  });
}

async function deliver(url: string, body: string, signature: string | undefined) {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(signature === undefined ? {} : { 'x-pagerduty-signature': signature }),
    },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function openRoutedAlert(hostname: string): Promise<string> {
  const admin = world.client('admin');
  const host = await admin.hosts.add.mutate({ workspace: 'acme', hostname, port: 443, agentId: agent.id });
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
  return alert.id;
}

const alertOf = async (id: string) =>
  (await world.client('viewer').alerts.list.query({ workspace: 'acme' })).alerts.find((a) => a.id === id);
const escalationOf = (alertId: string) =>
  world.client('viewer').escalationPolicies.escalation.query({ workspace: 'acme', alertId });
const auditOf = async (alertId: string) =>
  (
    await world
      .client('owner')
      .audit.list.query({ workspace: 'acme', filter: { targetId: alertId }, limit: 200 })
  ).rows;

beforeAll(async () => {
  world = await createWorld({ clock });
  agent = await enrollAgent(world, 'dc1');
  const admin = world.client('admin');
  const members = await admin.members.list.query({ workspace: 'acme' });
  const adminId = members.find((m) => m.email === 'admin@example.test')?.userId ?? '';
  ({ id: policyId } = await admin.escalationPolicies.create.mutate({
    workspace: 'acme',
    name: 'Default',
    steps: [
      { targets: [{ kind: 'members', userIds: [adminId] }], waitMinutes: 5 },
      { targets: [{ kind: 'members', userIds: [adminId] }], waitMinutes: 5 },
    ],
    repeatCount: 0,
  }));
  const created = await admin.channels.create.mutate({
    workspace: 'acme',
    name: 'pager',
    type: 'pagerduty',
    config: { routingKey: 'R0123456789abcdefABCDEF012345678' },
    eventTypes: ['change.approved'],
  });
  channelId = created.id;
  // Create gives the URL to paste into PagerDuty; PagerDuty then shows its secret, set by update.
  expect('inboundUrl' in created && created.inboundUrl).toMatch(
    new RegExp(`/integrations/pagerduty/${world.workspace.id}/${channelId}$`),
  );
  inboundUrl = `${world.server.url}/integrations/pagerduty/${world.workspace.id}/${channelId}`;
  const updated = await admin.channels.update.mutate({
    workspace: 'acme',
    id: channelId,
    config: { signingSecret: SECRET },
  });
  expect('inboundUrl' in updated && updated.inboundUrl).toMatch(new RegExp(`/${channelId}$`));
  // Sealed like the routing key: never read back.
  const listed = await admin.channels.list.query({ workspace: 'acme' });
  expect(JSON.stringify(listed)).not.toContain(SECRET);
  expect(listed.find((c) => c.id === channelId)?.secretFields).toContain('signingSecret');

  // The other workspace's own PagerDuty channel, with its own subscription secret.
  const outsider = apiClient(world.server.url, world.tokens.outsider);
  ({ id: otherChannelId } = await outsider.channels.create.mutate({
    workspace: 'other',
    name: 'pager',
    type: 'pagerduty',
    config: { routingKey: 'Z0123456789abcdefABCDEF012345678', signingSecret: OTHER_SECRET },
    eventTypes: ['change.approved'],
  }));
  otherInboundUrl = `${world.server.url}/integrations/pagerduty/${world.other.id}/${otherChannelId}`;
});
afterAll(async () => {
  await world?.close();
});

describe('PagerDuty acknowledgements coming back', () => {
  it('a signed incident.acknowledged acknowledges the alert and stops its escalation; a replay changes nothing', async () => {
    const alertId = await openRoutedAlert('pay.example.test');
    const owner = world.server.services.db.owner;
    expect(await runEscalations(owner, now)).toEqual({ started: 1, fired: 1 });
    advance(2);

    const body = payload('incident.acknowledged', `alert:${alertId}`);
    const first = await deliver(inboundUrl, body, signatureOf(body, SECRET));
    expect(first).toEqual({ status: 200, body: { result: 'acknowledged', alertId } });

    const alert = await alertOf(alertId);
    expect(alert).toMatchObject({
      state: 'open',
      acknowledgedBy: `system:integration:pagerduty:${channelId}`,
      ackNote: 'Acknowledged in PagerDuty by Ada Lovelace',
    });
    expect(alert?.acknowledgedAt).toEqual(now);

    // The second step was due at minute 5: it never pages.
    advance(60);
    expect((await runEscalations(owner, now)).fired).toBe(0);
    const escalation = await escalationOf(alertId);
    expect(escalation).toMatchObject({
      state: 'acknowledged',
      nextFireAt: null,
      stoppedBy: `system:integration:pagerduty:${channelId}`,
    });
    expect(escalation?.pages).toHaveLength(1);

    // The audit rows (the alert's timeline) name the integration.
    const rows = await auditOf(alertId);
    const ack = rows.filter((r) => r.action === 'alert.acknowledged');
    expect(ack).toHaveLength(1);
    expect(ack[0]).toMatchObject({ actorType: 'system', actorId: `integration:pagerduty:${channelId}` });
    expect(rows.map((r) => r.action)).toContain('escalation.stopped');

    // PagerDuty delivers at least once: the same delivery again is answered 2xx and changes nothing.
    const again = await deliver(inboundUrl, body, signatureOf(body, SECRET));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ result: 'unchanged', alertId });
    expect(await auditOf(alertId)).toHaveLength(rows.length);
  });

  it('a signed incident.resolved resolves the alert; a replay changes nothing', async () => {
    const alertId = await openRoutedAlert('shop.example.test');
    const owner = world.server.services.db.owner;
    await runEscalations(owner, now);

    // Several signatures, as while PagerDuty rotates the secret: one matching is enough.
    const body = payload('incident.resolved', `alert:${alertId}`, 'Grace Hopper');
    const header = `v1=${'0'.repeat(64)},${signatureOf(body, SECRET)}`;
    expect(await deliver(inboundUrl, body, header)).toEqual({
      status: 200,
      body: { result: 'resolved', alertId },
    });
    expect(await alertOf(alertId)).toMatchObject({ state: 'resolved' });
    expect(await escalationOf(alertId)).toMatchObject({ state: 'resolved', nextFireAt: null });
    const rows = await auditOf(alertId);
    const resolved = rows.find((r) => r.action === 'alert.resolved');
    expect(resolved).toMatchObject({ actorType: 'system', actorId: `integration:pagerduty:${channelId}` });

    const again = await deliver(inboundUrl, body, signatureOf(body, SECRET));
    expect(again).toMatchObject({ status: 200, body: { result: 'unchanged' } });
    expect(await auditOf(alertId)).toHaveLength(rows.length);
    advance(60);
    expect((await runEscalations(owner, now)).fired).toBe(0);
  });

  it('a bad or missing signature is refused with 401 and changes nothing; the escalation goes on', async () => {
    const alertId = await openRoutedAlert('bad-sig.example.test');
    const owner = world.server.services.db.owner;
    await runEscalations(owner, now);
    const before = await auditOf(alertId);
    const body = payload('incident.acknowledged', `alert:${alertId}`);

    const wrongSecret = await deliver(inboundUrl, body, signatureOf(body, 'not-the-subscription-secret'));
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body.error).toMatch(/X-PagerDuty-Signature does not match/);
    // Signed over other bytes than those sent.
    const tampered = await deliver(inboundUrl, body.replace('Ada', 'Eve'), signatureOf(body, SECRET));
    expect(tampered.status).toBe(401);
    expect((await deliver(inboundUrl, body, undefined)).status).toBe(401);
    // The other workspace's channel id under this workspace: not found inside row security.
    const crossed = `${world.server.url}/integrations/pagerduty/${world.workspace.id}/${otherChannelId}`;
    expect((await deliver(crossed, body, signatureOf(body, OTHER_SECRET))).status).toBe(401);

    expect(await alertOf(alertId)).toMatchObject({ acknowledgedAt: null, state: 'open' });
    expect(await auditOf(alertId)).toHaveLength(before.length);
    advance(5);
    await runEscalations(owner, now);
    expect((await escalationOf(alertId))?.pages.map((p) => p.step)).toEqual([0, 1]);
  });

  it("another workspace's subscription cannot touch this workspace's alert", async () => {
    const alertId = await openRoutedAlert('cross.example.test');
    await runEscalations(world.server.services.db.owner, now);
    const body = payload('incident.acknowledged', `alert:${alertId}`);
    const res = await deliver(otherInboundUrl, body, signatureOf(body, OTHER_SECRET));
    // Signed by the other workspace's own secret, so answered 2xx (PagerDuty would retry
    // anything else), but this workspace's alert is not found there.
    expect(res).toMatchObject({ status: 200, body: { result: 'unchanged', alertId } });
    expect(await alertOf(alertId)).toMatchObject({ acknowledgedAt: null, state: 'open' });
    expect((await escalationOf(alertId))?.state).not.toBe('acknowledged');
  });

  it('answers other events and foreign keys 2xx doing nothing, and a malformed signed body 400 in words', async () => {
    const triggered = payload('incident.triggered', 'alert:00000000-0000-4000-8000-000000000000');
    expect(await deliver(inboundUrl, triggered, signatureOf(triggered, SECRET))).toMatchObject({
      status: 202,
      body: { result: 'ignored' },
    });
    const foreign = payload('incident.acknowledged', 'd3640fbd41094207a1c11e58e46b1662');
    expect(await deliver(inboundUrl, foreign, signatureOf(foreign, SECRET))).toMatchObject({
      status: 202,
      body: { result: 'ignored' },
    });
    const unknown = payload('incident.acknowledged', 'alert:00000000-0000-4000-8000-000000000000');
    expect(await deliver(inboundUrl, unknown, signatureOf(unknown, SECRET))).toMatchObject({
      status: 200,
      body: { result: 'unchanged', reason: 'no such alert in this workspace' },
    });

    const notJson = 'event=incident.acknowledged';
    expect(await deliver(inboundUrl, notJson, signatureOf(notJson, SECRET))).toEqual({
      status: 400,
      body: { error: 'the body is not JSON' },
    });
    const noType = JSON.stringify({ event: { data: {} } });
    expect(await deliver(inboundUrl, noType, signatureOf(noType, SECRET))).toEqual({
      status: 400,
      body: { error: 'event.event_type must be a string' },
    });
  });

  it('reads no body past 256 KiB, the most PagerDuty sends', async () => {
    const big = JSON.stringify({ event: { event_type: 'incident.annotated', pad: 'x'.repeat(300_000) } });
    expect((await deliver(inboundUrl, big, signatureOf(big, SECRET))).status).toBe(413);
  });

  // Last: it leaves 127.0.0.1 over the limit for everything after it.
  it('counts bad signatures as failed credential checks: past the limit the address gets 429, even when signed', async () => {
    const body = payload('incident.triggered', 'alert:00000000-0000-4000-8000-000000000000');
    const { limit } = world.server.services.credentialFailures.policy;
    let status = 401;
    for (let i = 0; i < limit && status === 401; i++)
      status = (await deliver(inboundUrl, body, signatureOf(body, 'guess'))).status;
    const signed = await deliver(inboundUrl, body, signatureOf(body, SECRET));
    expect(signed.status).toBe(429);
    expect(signed.body.error).toMatch(/too many failed signature checks/);
  });
});
