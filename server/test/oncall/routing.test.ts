import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent, type TestAgent } from '@vigilo/tests/support/agent';
import { makeSnapshot } from '@vigilo/tests/support/snapshots';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { createDeliveryWorker } from '../../src/events/delivery-worker.ts';
import { outboundPolicy } from '../../src/integrations/outbound/policy.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { runEscalations } from '../../src/oncall/escalation-engine.ts';
import { startReceiver, type Receiver } from '../integrations/receiver.ts';

/**
 * Routing through the real server: a rule's own channels hear its alerts' open and resolve without
 * subscribing to alert events, and a host tag routes alerts of any rule to a policy, a rule's own
 * route winning over its hosts' tags.
 */
let now = new Date(Math.floor(Date.now() / 60_000) * 60_000);
let world: World;
let agent: TestAgent;
let receiver: Receiver;
const users: Record<string, string> = {};

async function push(hostId: string, hostname: string) {
  await agent.push([
    makeSnapshot({ hostId, hostname, scannedAt: now, notAfter: new Date(now.getTime() + 3 * 86_400_000) }),
  ]);
}

beforeAll(async () => {
  world = await createWorld({ clock: () => now });
  agent = await enrollAgent(world, 'dc1');
  receiver = await startReceiver({ respond: 204 });
  for (const m of await world.client('admin').members.list.query({ workspace: 'acme' }))
    if (m.status === 'member' && m.email) users[m.email.split('@')[0] ?? ''] = m.userId;
});
afterAll(async () => {
  await receiver?.close();
  await world?.close();
});

describe('alert routing', () => {
  it('sends a rule’s alerts to its own channels beside their subscriptions', async () => {
    const admin = world.client('admin');
    const channel = await admin.channels.create.mutate({
      workspace: 'acme',
      name: 'payments team',
      type: 'webhook',
      config: { url: receiver.url },
      eventTypes: ['change.approved'],
    });
    const host = await admin.hosts.add.mutate({
      workspace: 'acme',
      hostname: 'pay.example.test',
      port: 443,
      agentId: agent.id,
    });
    const rule = await admin.alertRules.create.mutate({
      workspace: 'acme',
      name: 'pay expiring',
      predicate: { kind: 'expires_within', days: 14 },
      scope: { kind: 'host', hostId: host.id },
      severity: 'warning',
    });
    await admin.escalationPolicies.route.mutate({
      workspace: 'acme',
      ruleId: rule.id,
      policyId: null,
      channelIds: [channel.id],
    });
    await push(host.id, 'pay.example.test');
    const alert = (await admin.alerts.list.query({ workspace: 'acme', ruleId: rule.id })).alerts[0];
    // No policy: no escalation, but the rule's channel gets the alert.
    expect(await runEscalations(world.server.services.db.owner, now)).toEqual({ started: 0, fired: 0 });
    await admin.alerts.resolve.mutate({ workspace: 'acme', id: alert?.id ?? '' });
    await runEscalations(world.server.services.db.owner, now);
    // Deliveries are due from the database's now(); the injected clock started on the minute.
    now = new Date(now.getTime() + 60_000);
    const worker = createDeliveryWorker({
      owner: world.server.services.db.owner,
      secrets: world.server.services.secrets,
      log: createLogger('silent'),
      clock: () => now,
      backoff: { baseMs: 1000, capMs: 60_000, maxAttempts: 3, jitter: 'full' },
      disableAfterFailures: 10,
      timeoutMs: 2000,
      outbound: outboundPolicy({ allow: world.server.services.config.outboundAllow }),
    });
    await worker.runOnce();
    const got = receiver.requests.map(
      (r) => JSON.parse(r.body) as { type: string; data: { alertId?: string } },
    );
    expect(got.map((m) => [m.type, m.data.alertId])).toEqual([
      ['alert.opened', alert?.id],
      ['alert.resolved', alert?.id],
    ]);
  });

  it('routes a tagged host’s alerts to the tag’s policy, unless the rule routes elsewhere', async () => {
    const admin = world.client('admin');
    const policy = (name: string, userId: string) =>
      admin.escalationPolicies.create.mutate({
        workspace: 'acme',
        name,
        steps: [{ targets: [{ kind: 'members', userIds: [userId] }], waitMinutes: 5 }],
      });
    const prod = await policy('Production', users.member ?? '');
    const owners = await policy('Rule owners', users.approver ?? '');
    await admin.escalationPolicies.route.mutate({ workspace: 'acme', tag: 'prod', policyId: prod.id });
    const host = await admin.hosts.add.mutate({
      workspace: 'acme',
      hostname: 'shop.example.test',
      port: 443,
      agentId: agent.id,
      tags: ['prod'],
    });
    const byTag = await admin.alertRules.create.mutate({
      workspace: 'acme',
      name: 'shop expiring',
      predicate: { kind: 'expires_within', days: 14 },
      scope: { kind: 'host', hostId: host.id },
      severity: 'warning',
    });
    const byRule = await admin.alertRules.create.mutate({
      workspace: 'acme',
      name: 'shop expiring soon',
      predicate: { kind: 'expires_within', days: 7 },
      scope: { kind: 'host', hostId: host.id },
      severity: 'critical',
    });
    await admin.escalationPolicies.route.mutate({
      workspace: 'acme',
      ruleId: byRule.id,
      policyId: owners.id,
    });
    await push(host.id, 'shop.example.test');
    await runEscalations(world.server.services.db.owner, now);
    const pagedFor = async (ruleId: string) => {
      const alertId = (await admin.alerts.list.query({ workspace: 'acme', ruleId })).alerts[0]?.id ?? '';
      const e = await admin.escalationPolicies.escalation.query({ workspace: 'acme', alertId });
      return [e?.policyName, e?.pages.map((p) => p.userId)];
    };
    expect(await pagedFor(byTag.id)).toEqual(['Production', [users.member]]);
    expect(await pagedFor(byRule.id)).toEqual(['Rule owners', [users.approver]]);
  });
});
