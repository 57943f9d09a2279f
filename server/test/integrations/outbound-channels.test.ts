import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryBus } from '../../src/events/bus.ts';
import { createDeliveryWorker } from '../../src/events/delivery-worker.ts';
import { startDispatcher } from '../../src/events/dispatcher.ts';
import { outboundPolicy, type OutboundPolicy } from '../../src/integrations/outbound/policy.ts';
import { generateWebhookSecret } from '../../src/integrations/webhook-signature.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { startReceiver } from './receiver.ts';

/**
 * The outbound policy through the API: channels.create / update refuse a destination the policy
 * refuses (BAD_REQUEST naming the field, nothing stored), and the delivery worker refuses at
 * delivery time too and logs only a summary of what a receiver answered.
 */

/** A server whose operator allows 10.0.0.0/8 and nothing else internal. */
let tenNet: World;
/** The usual test server: 127.0.0.1/32 allowed, for the receivers. */
let rig: World;
beforeAll(async () => {
  [tenNet, rig] = await Promise.all([
    createWorld({ env: { VIGILO_OUTBOUND_ALLOW: '10.0.0.0/8' } }),
    createWorld(),
  ]);
});
afterAll(async () => {
  await Promise.all([tenNet?.close(), rig?.close()]);
});

const secret = generateWebhookSecret();
const webhook = (name: string, url: string) => ({
  workspace: 'acme',
  name,
  type: 'webhook' as const,
  config: { url, secret },
  eventTypes: ['*'],
});

const refusedField = (field: string) => ({
  data: {
    code: 'BAD_REQUEST',
    fieldErrors: { [field]: expect.stringMatching(/^destination refused by outbound policy: /) },
  },
  message: expect.stringMatching(
    new RegExp(`^${field.replace('.', '\\.')}: destination refused by outbound policy: `),
  ),
});

describe('channel configuration under the outbound policy', () => {
  it('refuses loopback, a name resolving to it, metadata and unlisted private hosts, naming the field', async () => {
    const admin = tenNet.client('admin');
    const cases: [string, string][] = [
      ['http://127.0.0.1:8080/hook', 'loopback'],
      ['http://[::ffff:127.0.0.1]:8080/hook', 'loopback'],
      ['http://localhost:8080/hook', 'loopback'],
      ['http://169.254.169.254/latest/meta-data/', 'cloud metadata'],
      ['http://192.168.1.10/hook', 'private'],
    ];
    for (const [url, kind] of cases) {
      const attempt = admin.channels.create.mutate(webhook(`to ${url}`, url));
      await expect(attempt).rejects.toMatchObject(refusedField('config.url'));
      await expect(attempt).rejects.toThrow(`a ${kind} address`);
    }
    // The operator's allow-list opens its own range.
    await expect(
      admin.channels.create.mutate(webhook('intranet', 'http://10.1.2.3/hook')),
    ).resolves.toMatchObject({
      name: 'intranet',
    });
    const names = (await admin.channels.list.query({ workspace: 'acme' })).map((c) => c.name);
    expect(names).toEqual(['intranet']);
  });

  it('checks every kind of channel: email host, PagerDuty events URL, Slack and Teams URLs', async () => {
    const admin = tenNet.client('admin');
    await expect(
      admin.channels.create.mutate({
        workspace: 'acme',
        name: 'mail',
        type: 'email',
        config: {
          host: 'localhost',
          port: 6379,
          security: 'none',
          from: 'a@example.test',
          to: ['b@example.test'],
        },
        eventTypes: ['*'],
      }),
    ).rejects.toMatchObject(refusedField('config.host'));
    await expect(
      admin.channels.create.mutate({
        workspace: 'acme',
        name: 'pager',
        type: 'pagerduty',
        config: { routingKey: 'R0123456789abcdefABCDEF012345678', eventsUrl: 'http://127.0.0.1:5432/' },
        eventTypes: ['*'],
      }),
    ).rejects.toMatchObject(refusedField('config.eventsUrl'));
    for (const type of ['slack', 'teams'] as const) {
      await expect(
        admin.channels.create.mutate({
          workspace: 'acme',
          name: type,
          type,
          config: { url: 'http://169.254.169.254/' },
          eventTypes: ['*'],
        }),
      ).rejects.toMatchObject(refusedField('config.url'));
    }
  });

  it('refuses an update to a refused destination and keeps the channel as it was', async () => {
    const admin = tenNet.client('admin');
    const channel = await admin.channels.create.mutate(webhook('moving', 'http://10.9.9.9/hook'));
    await expect(
      admin.channels.update.mutate({
        workspace: 'acme',
        id: channel.id,
        config: { url: 'http://127.0.0.1:9/x' },
      }),
    ).rejects.toMatchObject(refusedField('config.url'));
    const after = (await admin.channels.list.query({ workspace: 'acme' })).find((c) => c.id === channel.id);
    expect(after?.config).toMatchObject({ url: 'http://10.9.9.9/hook' });
  });
});

describe('deliveries under the outbound policy', () => {
  /** Dispatcher and worker passes over the rig's database, with the given policy. */
  function passes(outbound: OutboundPolicy) {
    const log = createLogger('silent');
    const owner = rig.server.services.db.owner;
    return {
      dispatcher: startDispatcher({ owner, bus: createMemoryBus(), log, autoStart: false }),
      worker: createDeliveryWorker({
        owner,
        secrets: rig.server.services.secrets,
        log,
        clock: () => new Date(Date.now() + 60_000),
        backoff: { baseMs: 1000, capMs: 60_000, maxAttempts: 3, jitter: 'full' },
        disableAfterFailures: 10,
        timeoutMs: 2000,
        outbound,
      }),
    };
  }

  it('fails a delivery whose destination is refused at delivery time, without connecting', async () => {
    const receiver = await startReceiver({ respond: 200 });
    try {
      const owner = rig.client('owner');
      // Accepted when configured (this server allows 127.0.0.1/32)…
      const channel = await owner.channels.create.mutate({
        ...webhook('later refused', receiver.url),
        eventTypes: ['workspace.*'],
      });
      await owner.workspace.update.mutate({ workspace: 'acme', settings: { tz: 'UTC' } });
      // …but the policy at delivery time (say the operator narrowed it) refuses it.
      const { dispatcher, worker } = passes(outboundPolicy({ allow: [] }));
      await dispatcher.runOnce();
      expect(await worker.runOnce()).toBe(1);
      const [delivery] = await owner.channels.deliveries.query({ workspace: 'acme', id: channel.id });
      expect(delivery).toMatchObject({ status: 'failed', attempts: 1 });
      expect(delivery!.log).toEqual([
        expect.objectContaining({
          ok: false,
          status: null,
          response: null,
          reason: expect.stringMatching(
            /^outbound_policy: destination refused by outbound policy: 127\.0\.0\.1 is a loopback address/,
          ),
        }),
      ]);
      expect(receiver.requests).toHaveLength(0);
      await owner.channels.remove.mutate({ workspace: 'acme', id: channel.id });
    } finally {
      await receiver.close();
    }
  });

  it('logs only the status and size of an answer, never its text', async () => {
    const leak = 'INTERNAL-ONLY-DATA db_password=hunter2-s3cr3t';
    const receiver = await startReceiver({ respond: 500, body: leak }, { respond: 200, body: leak });
    try {
      const owner = rig.client('owner');
      const channel = await owner.channels.create.mutate({
        ...webhook('leaky', receiver.url),
        eventTypes: ['workspace.*'],
      });
      await owner.workspace.update.mutate({ workspace: 'acme', settings: { tz: 'Europe/Paris' } });
      const { dispatcher, worker } = passes(
        outboundPolicy({ allow: rig.server.services.config.outboundAllow }),
      );
      await dispatcher.runOnce();
      await worker.runOnce();
      // Make the retry due, then run it.
      await rig.server.services.db.owner.query(
        'UPDATE deliveries SET next_attempt_at = now() WHERE channel_id = $1',
        [channel.id],
      );
      await worker.runOnce();
      const log = await owner.channels.deliveries.query({ workspace: 'acme', id: channel.id });
      expect(log[0]).toMatchObject({ status: 'succeeded', attempts: 2 });
      expect(log[0]!.log).toEqual([
        expect.objectContaining({
          ok: false,
          status: 500,
          response: `HTTP 500 (${leak.length} bytes)`,
          reason: 'http_status: HTTP 500',
        }),
        expect.objectContaining({ ok: true, status: 200, response: `HTTP 200 (${leak.length} bytes)` }),
      ]);
      expect(JSON.stringify(log)).not.toMatch(/INTERNAL-ONLY|hunter2/);
      expect(receiver.requests).toHaveLength(2);
    } finally {
      await receiver.close();
    }
  });
});
