import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent } from '@vigilo/tests/support/agent';
import { makeSnapshot } from '@vigilo/tests/support/snapshots';
import { isSignedWebhook, startWebhookReceiver } from '@vigilo/tests/support/webhooks';
import { createWorld, type World } from '@vigilo/tests/support/world';
import {
  channelDeliveries,
  listChannels,
  listRules,
  previewRule,
  removeChannel,
  removeRule,
  ruleTargets,
  saveChannel,
  saveRule,
  setChannelEnabled,
  testChannel,
} from '../src/core/alerting-admin-online.ts';
import { openCore, switchableNetwork, tempDir } from './support/core.ts';

/**
 * Settings › Alert rules and Channels through the desktop core against the real server: the
 * scope picker from the replica, a rule's matches previewed and listed, refusals per field (the
 * shared schema's words before asking, the server's after), a webhook's secret once, a test event
 * to a real loopback receiver through the real delivery worker, and offline the replica's rules
 * and channels read-only with the reason.
 */
const DAY = 86_400_000;
let world: World;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
const cleanups: Array<() => unknown> = [];
beforeAll(async () => {
  // With its background work: the server's own dispatcher and delivery worker send the test event.
  world = await createWorld({ background: true });
  receiver = await startWebhookReceiver();
  const agent = await enrollAgent(world, 'desk');
  const admin = world.client('admin');
  const add = async (hostname: string, tags: string[]) =>
    (await admin.hosts.add.mutate({ workspace: 'acme', hostname, port: 443, tags, agentId: agent.id })).id;
  const soon = await add('soon.internal', ['prod', 'edge']);
  const later = await add('later.internal', ['prod']);
  await agent.push([
    makeSnapshot({ hostId: soon, hostname: 'soon.internal', notAfter: new Date(Date.now() + 3 * DAY) }),
    makeSnapshot({ hostId: later, hostname: 'later.internal', notAfter: new Date(Date.now() + 300 * DAY) }),
  ]);
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await receiver?.close();
  await world?.close();
});

function coreOf(who: string) {
  const tmp = tempDir();
  const network = switchableNetwork();
  const opened = openCore({
    dataDir: tmp.dir,
    serverUrl: world.server.url,
    workspace: 'acme',
    token: world.tokens[who]!,
    fetch: network.fetch,
  });
  cleanups.push(() => tmp.cleanup());
  cleanups.push(() => opened.core.close());
  return { c: opened.core, network };
}

describe('alert rules in the desktop core', () => {
  it('previews, saves with per-field refusals, lists with matches, and offline shows the replica read-only', async () => {
    const { c, network } = coreOf('admin');
    await c.engine.syncNow();
    const targets = ruleTargets(c);
    expect(targets.hosts.map((h) => h.label)).toEqual(['later.internal:443', 'soon.internal:443']);
    expect(targets.tags).toEqual(['edge', 'prod']);

    const prod = { kind: 'tag', tag: 'prod' };
    expect(await previewRule(c, { predicate: { kind: 'expires_within', days: 30 }, scope: prod })).toEqual({
      ok: true,
      matches: { hosts: 2, firing: 1, unscanned: 0 },
    });
    // The shared schema's words, before the server is asked.
    expect(
      await previewRule(c, {
        predicate: { kind: 'expires_within', days: 0 },
        scope: { kind: 'tag', tag: '' },
      }),
    ).toMatchObject({
      ok: false,
      reason: 'refused',
      fieldErrors: {
        'predicate.days': 'days must be a whole number from 1 to 3650',
        'scope.tag': 'tag must not be empty',
      },
    });

    const draft = {
      name: 'Prod expiring',
      predicate: { kind: 'expires_within', days: 14 },
      scope: prod,
      severity: 'critical' as const,
      openAfter: 1,
      resolveAfter: 2,
      enabled: true,
    };
    const created = await saveRule(c, draft);
    if (!created.ok) throw new Error(created.message);
    // The server's words for what only it checks: an empty name, a flapping count out of range.
    expect(await saveRule(c, { ...draft, id: created.id, name: ' ', openAfter: 0 })).toMatchObject({
      ok: false,
      reason: 'refused',
      fieldErrors: {
        name: 'name must not be empty',
        openAfter: 'openAfter must be a whole number from 1 to 100',
      },
    });
    expect(await saveRule(c, { ...draft, id: created.id, scope: { kind: 'all' } })).toMatchObject({
      ok: true,
    });

    const online = await listRules(c);
    if (!online.ok) throw new Error(online.message);
    expect(online).toMatchObject({ live: true, note: '' });
    expect(online.rules.find((r) => r.id === created.id)).toMatchObject({
      name: 'Prod expiring',
      predicate: { kind: 'expires_within', days: 14 },
      scope: { kind: 'all' },
      resolveAfter: 2,
      matches: { hosts: 2, firing: 1, unscanned: 0 },
      openAlerts: 1,
    });

    // Offline: the replica's rules (the handlers sync after each save), read-only, and why.
    await c.engine.syncNow();
    network.online = false;
    const offline = await listRules(c);
    if (!offline.ok) throw new Error(offline.message);
    expect(offline.live).toBe(false);
    expect(offline.note).toMatch(/^Offline: .*changed again once the server is reachable/);
    expect(offline.rules.find((r) => r.id === created.id)).toMatchObject({
      name: 'Prod expiring',
      scope: { kind: 'all' },
      severity: 'critical',
      resolveAfter: 2,
      matches: undefined,
    });
    expect(offline.rules.map((r) => r.name)).toEqual(online.rules.map((r) => r.name));
    expect(await saveRule(c, draft)).toMatchObject({ ok: false, reason: 'offline' });
    network.online = true;

    expect(await removeRule(c, created.id)).toEqual({ ok: true });
    const after = await listRules(c);
    expect(after.ok && after.rules.some((r) => r.id === created.id)).toBe(false);
  });
});

describe('channels in the desktop core', () => {
  it('creates a webhook with its secret once, tests it through the real worker, disables and re-enables it', async () => {
    const { c, network } = coreOf('admin');
    const saved = await saveChannel(c, {
      name: 'desk hook',
      type: 'webhook',
      config: { url: receiver.url },
      eventTypes: ['alert.*'],
    });
    if (!saved.ok) throw new Error(saved.message);
    const secret = saved.webhookSecret ?? '';
    expect(secret).toMatch(/^whsec_/);
    const edited = await saveChannel(c, {
      id: saved.id,
      name: 'desk hook',
      type: 'webhook',
      config: { url: `${receiver.url}?v=2` },
      eventTypes: ['alert.opened'],
    });
    expect(edited).toEqual({ ok: true, id: saved.id, webhookSecret: undefined });
    expect(
      await saveChannel(c, { name: 'bad', type: 'webhook', config: { url: 'not a url' }, eventTypes: ['*'] }),
    ).toMatchObject({ ok: false, fieldErrors: { 'config.url': 'url must be an http:// or https:// URL' } });

    const sent = await testChannel(c, saved.id);
    if (!sent.ok) throw new Error(sent.message);
    // The server's worker sends it at its next pass (every 2 s): wait for the delivery's attempt.
    const attempted = async () => {
      for (let i = 0; i < 60; i++) {
        const log = await channelDeliveries(c, saved.id);
        if (!log.ok) throw new Error(log.message);
        if (log.deliveries[0]?.log.length) return log;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error('the test event was never attempted');
    };
    const log = await attempted();
    const got = receiver.received.at(-1)!;
    expect(got.path).toBe('/hooks/vigilo?v=2');
    expect(isSignedWebhook(got.headers, got.body, secret)).toBe(true);
    expect(log.deliveries).toHaveLength(1);
    expect(log.deliveries[0]).toMatchObject({
      id: sent.deliveryId,
      eventType: 'channel.tested',
      test: true,
      status: 'succeeded',
      attempts: 1,
      nextAttemptAt: '',
      log: [{ attempt: 1, ok: true, status: 200, response: 'HTTP 200 (2 bytes)' }],
    });
    expect(Date.parse(log.deliveries[0]!.log[0]!.at)).not.toBeNaN();

    expect(await setChannelEnabled(c, saved.id, false)).toEqual({ ok: true });
    await c.engine.syncNow();
    network.online = false;
    const offline = await listChannels(c);
    if (!offline.ok) throw new Error(offline.message);
    expect(offline.live).toBe(false);
    expect(offline.channels.find((ch) => ch.id === saved.id)).toMatchObject({
      name: 'desk hook',
      type: 'webhook',
      enabled: false,
      eventTypes: ['alert.opened'],
    });
    expect(JSON.stringify(offline)).not.toContain(secret.slice(6));
    expect(await testChannel(c, saved.id)).toMatchObject({ ok: false, reason: 'offline' });
    network.online = true;

    expect(await setChannelEnabled(c, saved.id, true)).toEqual({ ok: true });
    const online = await listChannels(c);
    expect(online.ok && online.channels.find((ch) => ch.id === saved.id)).toMatchObject({
      enabled: true,
      consecutiveFailures: 0,
      secretsSet: true,
    });
    expect(await removeChannel(c, saved.id)).toEqual({ ok: true });
  });

  it('gives a PagerDuty channel its inbound URL and takes the subscription’s signing secret on an edit', async () => {
    const { c } = coreOf('admin');
    const config = { routingKey: 'R'.repeat(32), eventsUrl: receiver.url };
    const saved = await saveChannel(c, { name: 'pd', type: 'pagerduty', config, eventTypes: ['alert.*'] });
    if (!saved.ok) throw new Error(saved.message);
    expect(saved.webhookSecret).toBeUndefined();
    expect(saved.inboundUrl).toMatch(new RegExp(`/integrations/pagerduty/[0-9a-f-]{36}/${saved.id}$`));
    const edited = await saveChannel(c, {
      id: saved.id,
      name: 'pd',
      type: 'pagerduty',
      config: { signingSecret: 'pd-signing-secret-0123456789' },
      eventTypes: ['alert.*'],
    });
    expect(edited).toMatchObject({ ok: true, id: saved.id, inboundUrl: saved.inboundUrl });
    expect(
      await saveChannel(c, {
        id: saved.id,
        name: 'pd',
        type: 'pagerduty',
        config: { signingSecret: 'short' },
        eventTypes: ['*'],
      }),
    ).toMatchObject({
      ok: false,
      fieldErrors: { 'config.signingSecret': expect.stringContaining('signingSecret') },
    });
    expect(await removeChannel(c, saved.id)).toEqual({ ok: true });
  });

  it("is the server's refusal for a member, never a crash", async () => {
    const { c } = coreOf('member');
    expect(await listChannels(c)).toMatchObject({ ok: false, reason: 'refused' });
    expect(
      await saveChannel(c, { name: 'x', type: 'webhook', config: { url: receiver.url }, eventTypes: ['*'] }),
    ).toMatchObject({ ok: false, reason: 'refused' });
  });
});
