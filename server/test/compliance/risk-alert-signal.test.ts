import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent, type TestAgent } from '@vigilo/tests/support/agent';
import { makeSnapshot } from '@vigilo/tests/support/snapshots';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { removeDefaultAlertRules } from '@vigilo/tests/support/alerts';
import { type Dispatcher, startDispatcher } from '../../src/events/dispatcher.ts';
import { createLogger } from '../../src/observability/logger.ts';

/**
 * A critical alert opened by ingest (a real agent push, the rule engine in the ingest path) on a
 * host linked to a risk becomes a signal on the risk; a warning alert on it does not.
 */
let world: World;
let dispatcher: Dispatcher;
let agent: TestAgent;
let hostId: string;
beforeAll(async () => {
  world = await createWorld();
  // Its alerts come from the rules it makes; the defaults would open more.
  await removeDefaultAlertRules(world);
  dispatcher = startDispatcher({
    owner: world.server.services.db.owner,
    bus: world.server.services.bus,
    log: createLogger('silent'),
    autoStart: false,
  });
  agent = await enrollAgent(world, 'dc1');
  ({ id: hostId } = await world
    .client('member')
    .hosts.add.mutate({ workspace: 'acme', hostname: 'pay.internal', port: 443, agentId: agent.id }));
});
afterAll(async () => {
  await dispatcher?.stop();
  await world?.close();
});

describe('a critical alert from ingest', () => {
  it('records a signal on the risk linked to its host, and a warning one does not', async () => {
    const risk = await world.client('approver').risks.create.mutate({
      workspace: 'acme',
      title: 'Payments certificate lapses',
      category: 'availability',
      likelihood: 2,
      impact: 5,
      hostIds: [hostId],
      signalThreshold: 1,
    });
    const admin = world.client('admin');
    await admin.alertRules.create.mutate({
      workspace: 'acme',
      name: 'expiring soon',
      predicate: { kind: 'expires_within', days: 30 },
      severity: 'warning',
    });
    await admin.alertRules.create.mutate({
      workspace: 'acme',
      name: 'expiring very soon',
      predicate: { kind: 'expires_within', days: 14 },
      severity: 'critical',
    });
    const soon = new Date(Date.now() + 10 * 86_400_000);
    await agent.push([makeSnapshot({ hostId, hostname: 'pay.internal', notAfter: soon })]);
    const open = await admin.alerts.list.query({ workspace: 'acme', state: 'open' });
    expect(open.alerts.map((a) => a.severity).sort()).toEqual(['critical', 'warning']);
    const critical = open.alerts.find((a) => a.severity === 'critical');

    await dispatcher.runOnce();
    const got = await world.client('approver').risks.get.query({ workspace: 'acme', id: risk.id });
    expect(got.signals).toMatchObject([{ kind: 'critical_alert', sourceId: critical?.id, hostId }]);
    expect(got.needsReassessment).toBe(true);
  });
});
