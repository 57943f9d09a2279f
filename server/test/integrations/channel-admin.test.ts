import { WEBHOOK_SECRET_PATTERN } from '@vigilo/shared/channels';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryBus } from '../../src/events/bus.ts';
import { createDeliveryWorker } from '../../src/events/delivery-worker.ts';
import { startDispatcher } from '../../src/events/dispatcher.ts';
import { outboundPolicy } from '../../src/integrations/outbound/policy.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { isSignedWebhook } from '@vigilo/tests/support/webhooks';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { type Receiver, startReceiver } from './receiver.ts';
import { startSmtp } from './smtp.ts';

/**
 * What the desktop's Channels page relies on, through the real server: a webhook's secret made by
 * the server and shown once, a test event through the real delivery path to a real loopback
 * receiver (signed, in the delivery log as a test, never fanned out to other channels), and a
 * channel the worker disabled re-enabled by an admin.
 */

let world: World;
let receiver: Receiver;
beforeAll(async () => {
  world = await createWorld();
  receiver = await startReceiver({ respond: 200, body: 'ok' });
});
afterAll(async () => {
  await receiver?.close();
  await world?.close();
});

function passes(disableAfterFailures = 10) {
  const log = createLogger('silent');
  const dispatcher = startDispatcher({
    owner: world.server.services.db.owner,
    bus: createMemoryBus(),
    log,
    autoStart: false,
  });
  const worker = createDeliveryWorker({
    owner: world.server.services.db.owner,
    secrets: world.server.services.secrets,
    log,
    clock: () => new Date(),
    backoff: { baseMs: 1, capMs: 1, maxAttempts: 1, jitter: 'full' },
    disableAfterFailures,
    timeoutMs: 2000,
    outbound: outboundPolicy({ allow: world.server.services.config.outboundAllow }),
  });
  return { dispatcher, worker };
}

async function refusal(p: Promise<unknown>) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof TRPCClientError)) throw new Error(`expected a refusal, got ${String(err)}`);
  return err.data as { code: string; fieldErrors?: Record<string, string> };
}

describe('channel administration', () => {
  it('makes a webhook secret, returns it once, and a test event arrives signed and logged as a test', async () => {
    const admin = world.client('admin');
    const bystander = await admin.channels.create.mutate({
      workspace: 'acme',
      name: 'everything',
      type: 'webhook',
      config: { url: receiver.url.replace('/hooks/in', '/other') },
      eventTypes: ['*'],
    });
    const channel = await admin.channels.create.mutate({
      workspace: 'acme',
      name: 'ops hook',
      type: 'webhook',
      config: { url: receiver.url },
      eventTypes: ['alert.*'],
    });
    const secret = channel.webhookSecret;
    expect(secret).toMatch(WEBHOOK_SECRET_PATTERN);
    expect(bystander.webhookSecret).not.toBe(secret);
    if (!secret) throw new Error('no secret returned');

    // Never again: not in the list, the audit log, or the stored row's visible config.
    const listed = await admin.channels.list.query({ workspace: 'acme' });
    expect(JSON.stringify(listed)).not.toContain(secret.slice(6));
    expect(listed.find((c) => c.id === channel.id)).toMatchObject({ secretsSet: true });
    const audit = await world
      .client('owner')
      .audit.list.query({ workspace: 'acme', filter: { action: 'channel.*' } });
    expect(JSON.stringify(audit)).not.toContain(secret.slice(6));
    const stored = await world.server.services.db.owner.query<{ config: unknown; secret_sealed: string }>(
      'SELECT config, secret_sealed FROM channels WHERE id = $1',
      [channel.id],
    );
    expect(JSON.stringify(stored.rows[0])).not.toContain(secret.slice(6));

    const sent = await admin.channels.test.mutate({ workspace: 'acme', id: channel.id });
    const { dispatcher, worker } = passes();
    await dispatcher.runOnce();
    // The test, and the bystander's deliveries of 'channel.created' (it subscribes to '*').
    expect(await worker.runOnce()).toBe(3);

    const got = receiver.requests.filter((r) => r.path === '/hooks/in');
    expect(got).toHaveLength(1);
    expect(isSignedWebhook(got[0]!.headers, got[0]!.body, secret)).toBe(true);
    expect(got[0]!.headers['webhook-id']).toBe(sent.deliveryId);
    expect(JSON.parse(got[0]!.body)).toMatchObject({
      type: 'channel.tested',
      data: { id: channel.id, name: 'ops hook', test: true },
    });
    // The channel subscribed to '*' heard of the other's creation, never of its test.
    const heard = receiver.requests.filter((r) => r.path === '/other');
    expect(heard.map((r) => (JSON.parse(r.body) as { type: string }).type)).toEqual([
      'channel.created',
      'channel.created',
    ]);
    const bystanderLog = await admin.channels.deliveries.query({ workspace: 'acme', id: bystander.id });
    expect(bystanderLog.map((d) => d.eventType)).toEqual(['channel.created', 'channel.created']);

    const log = await admin.channels.deliveries.query({ workspace: 'acme', id: channel.id });
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      id: sent.deliveryId,
      eventSeq: sent.eventSeq,
      eventType: 'channel.tested',
      test: true,
      status: 'succeeded',
      attempts: 1,
      log: [{ attempt: 1, ok: true, status: 200, response: 'HTTP 200 (2 bytes)' }],
    });
    const tested = await world
      .client('owner')
      .audit.list.query({ workspace: 'acme', filter: { action: 'channel.tested' } });
    expect(tested.rows).toHaveLength(1);
    expect(tested.rows[0]).toMatchObject({ actorType: 'user', targetId: channel.id });
  });

  it('keeps a secret the caller brings, and refuses tests from non-admins and of unknown channels', async () => {
    const admin = world.client('admin');
    const own = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    const channel = await admin.channels.create.mutate({
      workspace: 'acme',
      name: 'moved receiver',
      type: 'webhook',
      config: { url: receiver.url, secret: own },
      eventTypes: ['alert.opened'],
    });
    expect(channel).not.toHaveProperty('webhookSecret');
    expect(
      await refusal(world.client('member').channels.test.mutate({ workspace: 'acme', id: channel.id })),
    ).toMatchObject({ code: 'FORBIDDEN' });
    expect(
      await refusal(admin.channels.test.mutate({ workspace: 'acme', id: crypto.randomUUID() })),
    ).toMatchObject({ code: 'NOT_FOUND' });
    // Another workspace's channel looks the same as none.
    expect(
      await refusal(world.client('outsider').channels.test.mutate({ workspace: 'other', id: channel.id })),
    ).toMatchObject({ code: 'NOT_FOUND' });
    await admin.channels.remove.mutate({ workspace: 'acme', id: channel.id });
  });

  it('a channel disabled after failures can be tested, then re-enabled with its count reset', async () => {
    const admin = world.client('admin');
    const channel = await admin.channels.create.mutate({
      workspace: 'acme',
      name: 'flaky hook',
      type: 'webhook',
      config: { url: receiver.url.replace('/hooks/in', '/flaky') },
      eventTypes: ['alert.opened'],
    });
    receiver.script({ respond: 500, body: 'down for maintenance' });
    const { worker } = passes(2);
    await admin.channels.test.mutate({ workspace: 'acme', id: channel.id });
    await admin.channels.test.mutate({ workspace: 'acme', id: channel.id });
    expect(await worker.runOnce()).toBe(2);
    const disabled = (await admin.channels.list.query({ workspace: 'acme' })).find(
      (c) => c.id === channel.id,
    );
    expect(disabled).toMatchObject({
      enabled: false,
      consecutiveFailures: 2,
      disabledReason: expect.stringMatching(/disabled after 2 failed deliveries in a row/),
    });
    const failed = await admin.channels.deliveries.query({ workspace: 'acme', id: channel.id });
    expect(failed.map((d) => [d.status, d.test])).toEqual([
      ['failed', true],
      ['failed', true],
    ]);
    expect(failed[0]!.log).toMatchObject([{ ok: false, status: 500, response: 'HTTP 500 (20 bytes)' }]);

    // The receiver is fixed: a test of the disabled channel proves it before re-enabling.
    receiver.script({ respond: 204 });
    await admin.channels.test.mutate({ workspace: 'acme', id: channel.id });
    expect(await worker.runOnce()).toBe(1);
    expect((await admin.channels.deliveries.query({ workspace: 'acme', id: channel.id }))[0]).toMatchObject({
      status: 'succeeded',
      test: true,
    });

    const enabled = await admin.channels.update.mutate({ workspace: 'acme', id: channel.id, enabled: true });
    expect(enabled).toMatchObject({ enabled: true, consecutiveFailures: 0, disabledReason: null });
    const audit = await world
      .client('owner')
      .audit.list.query({ workspace: 'acme', filter: { action: 'channel.updated' } });
    const row = audit.rows.find((r) => r.targetId === channel.id);
    expect(JSON.parse(String(row?.summary))).toMatchObject({
      before: { enabled: false },
      after: { enabled: true },
    });
  });
  it('an email channel edited without its password keeps it: a test event still authenticates to real SMTP', async () => {
    const password = 'correct horse battery staple';
    const smtp = await startSmtp({
      authOptional: false,
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        if (auth.password === password) callback(null, { user: auth.username });
        else callback(new Error('Invalid username or password'));
      },
    });
    try {
      const admin = world.client('admin');
      const channel = await admin.channels.create.mutate({
        workspace: 'acme',
        name: 'ops mail',
        type: 'email',
        config: {
          host: '127.0.0.1',
          port: smtp.port,
          security: 'none',
          from: 'vigilo@example.test',
          to: ['ops@example.test'],
          auth: { user: 'vigilo', password },
        },
        eventTypes: ['alert.*'],
      });
      expect(channel).not.toHaveProperty('webhookSecret');
      // The form sends the visible settings again, the password left blank: it is kept.
      const edited = await admin.channels.update.mutate({
        workspace: 'acme',
        id: channel.id,
        config: { to: ['oncall@example.test'], auth: { user: 'mailer' } },
      });
      expect(edited.config).toMatchObject({ to: ['oncall@example.test'], auth: { user: 'mailer' } });
      expect(JSON.stringify(edited)).not.toContain(password);
      await admin.channels.test.mutate({ workspace: 'acme', id: channel.id });
      const { worker } = passes();
      expect(await worker.runOnce()).toBe(1);
      expect(smtp.mails).toHaveLength(1);
      expect(smtp.mails[0]).toMatchObject({ user: 'mailer', to: ['oncall@example.test'] });
      expect(smtp.mails[0]!.raw).toContain('channel.tested');
      expect((await admin.channels.deliveries.query({ workspace: 'acme', id: channel.id }))[0]).toMatchObject(
        { status: 'succeeded', test: true },
      );

      // null removes an optional field (here the relay login).
      const bare = await admin.channels.update.mutate({
        workspace: 'acme',
        id: channel.id,
        config: { auth: null },
      });
      expect(bare.config).not.toHaveProperty('auth');
    } finally {
      await smtp.close();
    }
  });
});
