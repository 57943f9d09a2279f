import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent } from '@vigilo/tests/support/agent';
import { makeSnapshot } from '@vigilo/tests/support/snapshots';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { runEscalations } from '../../server/src/oncall/escalation-engine.ts';
import { oncallOverview } from '../src/core/oncall-online.ts';
import { alertDetail } from '../src/core/replica/queries.ts';
import { openCore, switchableNetwork, tempDir } from './support/core.ts';

/**
 * On-call in the desktop core against the real server: the replica says who is on call (the
 * shared rotation math over replicated rows), an escalation paging me raises an OS notification
 * that opens the alert, and acknowledging the alert from the desktop's outbox stops the escalation.
 */
const MINUTE = 60_000;
let now = new Date(Math.floor(Date.now() / MINUTE) * MINUTE);
const clock = () => now;
let world: World;
const users: Record<string, string> = {};
const cleanups: Array<() => unknown> = [];

beforeAll(async () => {
  world = await createWorld({ clock });
  for (const m of await world.client('admin').members.list.query({ workspace: 'acme' }))
    if (m.status === 'member' && m.email) users[m.email.split('@')[0] ?? ''] = m.userId;
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await world?.close();
});

function desktopOf(who: string) {
  const tmp = tempDir();
  const network = switchableNetwork();
  const opened = openCore({
    dataDir: tmp.dir,
    serverUrl: world.server.url,
    workspace: 'acme',
    token: world.tokens[who] ?? '',
    fetch: network.fetch,
    clock,
  });
  cleanups.push(() => tmp.cleanup());
  cleanups.push(() => opened.core.close());
  return { c: opened.core, events: opened.events, network };
}

describe('on-call in the desktop', () => {
  it('shows who is on call offline, notifies the paged member, and an acknowledgement stops the escalation', async () => {
    const admin = world.client('admin');
    const midnight = new Date(Math.floor(now.getTime() / 86_400_000) * 86_400_000);
    const { id: scheduleId } = await admin.schedules.create.mutate({
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
    });
    const { id: policyId } = await admin.escalationPolicies.create.mutate({
      workspace: 'acme',
      name: 'Default',
      steps: [
        { targets: [{ kind: 'schedule', scheduleId }], waitMinutes: 5 },
        { targets: [{ kind: 'members', userIds: [users.admin ?? ''] }], waitMinutes: 5 },
      ],
    });
    const agent = await enrollAgent(world, 'dc1');
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
    await admin.escalationPolicies.route.mutate({ workspace: 'acme', ruleId: rule.id, policyId });

    // The member's desktop, synced once: then offline, it still knows who is on call.
    const { c, events, network } = desktopOf('member');
    await c.engine.syncNow();
    network.online = false;
    const overview = oncallOverview(c.db, c.me(), now);
    expect(overview.schedules).toMatchObject([{ name: 'Primary', onCallNow: { id: users.member } }]);
    expect(overview.myShifts[0]).toMatchObject({ schedule: 'Primary', userId: users.member });
    expect(overview.policies[0]?.steps.map((s) => s.targets[0])).toEqual([
      'on call in Primary',
      expect.any(String),
    ]);
    network.online = true;

    // A warning (no critical-alert notification of its own) on a routed rule pages the on-call.
    await agent.push([
      makeSnapshot({
        hostId: host.id,
        hostname: 'pay.example.test',
        scannedAt: now,
        notAfter: new Date(now.getTime() + 5 * 86_400_000),
      }),
    ]);
    const alertId = (await admin.alerts.list.query({ workspace: 'acme', state: 'open', ruleId: rule.id }))
      .alerts[0]?.id;
    expect(alertId).toBeDefined();
    await runEscalations(world.server.services.db.owner, now);
    await c.engine.syncNow();
    // (A workspace's default rules may open a critical alert of their own: its notification is another.)
    expect(events.filter((e) => e.type === 'notify' && e.title === 'You are paged')).toEqual([
      {
        type: 'notify',
        title: 'You are paged',
        body: 'pay.example.test: certificate expires in 5 day(s)',
        target: `vigilo://acme/alerts/${alertId}`,
      },
    ]);
    expect(oncallOverview(c.db, c.me(), now).myPages).toMatchObject([{ alertId }]);
    // The page is in the alert's timeline, after its opening.
    expect(alertDetail(c.db, alertId ?? '')?.timeline.map((t) => [t.kind, t.by ?? ''])).toEqual([
      ['opened', ''],
      ['paged', expect.stringContaining('member')],
    ]);

    // Acknowledged from the desktop (its outbox): the next step never pages the admin.
    c.act({ kind: 'alert.acknowledge', args: { alertId: alertId ?? '', note: undefined } });
    await c.engine.syncNow();
    now = new Date(now.getTime() + 10 * MINUTE);
    expect((await runEscalations(world.server.services.db.owner, now)).fired).toBe(0);
    const escalation = await admin.escalationPolicies.escalation.query({
      workspace: 'acme',
      alertId: alertId ?? '',
    });
    expect(escalation).toMatchObject({ state: 'acknowledged', pages: [{ userId: users.member }] });

    // The admin's desktop was never paged.
    const other = desktopOf('admin');
    await other.c.engine.syncNow();
    expect(oncallOverview(other.c.db, other.c.me(), now).myPages).toEqual([]);
  });
});
