import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryBus } from '../../src/events/bus.ts';
import { createDeliveryWorker } from '../../src/events/delivery-worker.ts';
import { startDispatcher } from '../../src/events/dispatcher.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { outboundPolicy } from '../../src/integrations/outbound/policy.ts';
import { generateWebhookSecret, verify } from '../../src/integrations/webhook-signature.ts';
import { createWorld, type World } from '@vigilo/tests/support/world';

/** A controllable clock: starts a minute ahead of the database's now() and moves by hand. */
let offsetMs = 60_000;
const clock = () => new Date(Date.now() + offsetMs);

let world: World;
beforeAll(async () => {
  world = await createWorld({ clock });
});
afterAll(async () => {
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
    clock,
    random: () => 0.5,
    backoff: { baseMs: 1000, capMs: 60_000, maxAttempts: 6, jitter: 'full' },
    disableAfterFailures,
    timeoutMs: 400,
    // The receivers here listen on 127.0.0.1; the server's own config allows it the same way.
    outbound: outboundPolicy({ allow: world.server.services.config.outboundAllow }),
  });
  return { dispatcher, worker };
}

type Received = { headers: http.IncomingHttpHeaders; body: string };

describe('webhook deliveries', () => {
  it('retries 500, timeout and refused on the backoff schedule, with valid signatures, and records one success', async () => {
    const secret = generateWebhookSecret();
    const received: Received[] = [];
    const behaviours = ['500', 'hang', '200'];
    const sockets = new Set<Socket>();
    const handler: http.RequestListener = (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        const mode = behaviours.shift();
        if (mode === '500') res.writeHead(500).end('receiver broke');
        else if (mode === '200') res.writeHead(200).end('thanks');
        // 'hang': never answer; the worker's timeout ends the attempt.
      });
    };
    let receiver = http.createServer(handler);
    receiver.on('connection', (s) => sockets.add(s));
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const port = (receiver.address() as AddressInfo).port;

    const owner = world.client('owner');
    const channel = await owner.channels.create.mutate({
      workspace: 'acme',
      name: 'ops hook',
      type: 'webhook',
      config: { url: `http://127.0.0.1:${port}/hook`, secret },
      eventTypes: ['api_token.*'],
    });
    expect(channel).toMatchObject({ secretsSet: true, config: { url: `http://127.0.0.1:${port}/hook` } });
    expect(JSON.stringify(channel)).not.toContain(secret);
    await owner.apiTokens.create.mutate({ workspace: 'acme', name: 'deploy bot', role: 'member' });

    const { dispatcher, worker } = passes();
    expect(await dispatcher.runOnce()).toBeGreaterThan(0);
    const schedule: number[] = [];
    const nextAttemptAt = async () => {
      const log = await owner.channels.deliveries.query({ workspace: 'acme', id: channel.id });
      return log[0]?.nextAttemptAt ?? null;
    };

    // 1: 500. 2: hang -> timeout. 3: refused (receiver closed). 4: 200.
    for (let attempt = 1; attempt <= 4; attempt++) {
      if (attempt === 3) {
        for (const s of sockets) s.destroy();
        await new Promise<void>((r) => receiver.close(() => r()));
      }
      if (attempt === 4) {
        receiver = http.createServer(handler);
        await new Promise<void>((r) => receiver.listen(port, '127.0.0.1', r));
      }
      const before = clock().getTime();
      expect(await worker.runOnce()).toBe(1);
      expect(await worker.runOnce()).toBe(0); // not due again until the backoff passes
      const next = await nextAttemptAt();
      if (next) {
        schedule.push(Math.round((next.getTime() - before) / 100) * 100);
        offsetMs += next.getTime() - clock().getTime() + 1;
      }
    }
    await new Promise<void>((r) => receiver.close(() => r()));

    // Full jitter with random 0.5: half of 1 s, 2 s, 4 s (plus the attempt's own duration, rounded).
    expect(schedule.slice(0, 3).map((ms) => Math.floor(ms / 500) * 500)).toEqual([500, 1000, 2000]);
    const log = await owner.channels.deliveries.query({ workspace: 'acme', id: channel.id });
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ status: 'succeeded', attempts: 4, eventType: 'api_token.created' });
    const attempts = log[0]!.log as Array<{
      ok: boolean;
      status: number | null;
      reason: string | null;
      response: string | null;
    }>;
    expect(attempts.map((a) => [a.ok, a.status, a.reason?.split(':')[0] ?? null])).toEqual([
      [false, 500, 'http_status'],
      [false, null, 'timeout'],
      [false, null, 'refused'],
      [true, 200, null],
    ]);
    // What answered, never what it said.
    expect(attempts[0]!.response).toBe('HTTP 500 (14 bytes)');

    // Three requests reached the receiver (the refused one could not); all carry the same
    // delivery id and a signature that verifies with the channel's secret.
    expect(received).toHaveLength(3);
    const ids = new Set(received.map((r) => r.headers['webhook-id']));
    expect(ids).toEqual(new Set([log[0]!.id]));
    for (const r of received) {
      const result = verify(r.headers, r.body, secret, { now: clock() });
      expect(result.ok).toBe(true);
      expect(JSON.parse(r.body)).toMatchObject({ type: 'api_token.created' });
    }
  }, 30_000);

  it('disables a channel that keeps failing, with an event and an audit row', async () => {
    const owner = world.client('owner');
    const channel = await owner.channels.create.mutate({
      workspace: 'acme',
      name: 'dead hook',
      type: 'webhook',
      config: { url: 'http://127.0.0.1:9/nothing-listens', secret: generateWebhookSecret() },
      eventTypes: ['*'],
    });
    await owner.workspace.update.mutate({ workspace: 'acme', settings: { tz: 'UTC' } });
    await owner.workspace.update.mutate({ workspace: 'acme', settings: { tz: 'Europe/Paris' } });
    const { dispatcher, worker } = passes(2);
    await dispatcher.runOnce();
    await worker.runOnce();
    const list = await owner.channels.list.query({ workspace: 'acme' });
    const dead = list.find((c) => c.id === channel.id);
    expect(dead).toMatchObject({
      enabled: false,
      disabledReason: expect.stringMatching(
        /disabled after 2 failed deliveries in a row \(last: (refused|network)\)/,
      ),
    });
    const audit = await owner.audit.list.query({ workspace: 'acme', filter: { action: 'channel.disabled' } });
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]).toMatchObject({
      actorType: 'system',
      actorId: 'delivery-worker',
      targetId: channel.id,
    });
  });

  it('rejects an invalid channel URL with a field-level error and creates nothing', async () => {
    const owner = world.client('owner');
    await expect(
      owner.channels.create.mutate({
        workspace: 'acme',
        name: 'bad',
        type: 'webhook',
        config: { url: 'not a url', secret: generateWebhookSecret() },
        eventTypes: ['*'],
      }),
    ).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST' },
      message: expect.stringMatching(/^config\.url: /),
    });
    await expect(
      owner.channels.create.mutate({
        workspace: 'acme',
        name: 'bad',
        type: 'slack',
        config: { url: 'https://hooks.slack.com/x' },
        eventTypes: ['alert.'],
      }),
    ).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST', fieldErrors: { 'eventTypes.0': expect.any(String) } },
    });
    expect((await owner.channels.list.query({ workspace: 'acme' })).map((c) => c.name)).not.toContain('bad');
  });
});

describe('email deliveries', () => {
  it('sends an event to a real SMTP server', async () => {
    const messages: string[] = [];
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, _session, callback) {
        let data = '';
        stream.on('data', (c: Buffer) => (data += c.toString('utf8')));
        stream.on('end', () => {
          messages.push(data);
          callback();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    const port = (smtp.server.address() as AddressInfo).port;
    try {
      const owner = world.client('owner');
      await owner.channels.create.mutate({
        workspace: 'acme',
        name: 'mail',
        type: 'email',
        config: {
          host: '127.0.0.1',
          port,
          security: 'none',
          from: 'vigilo@example.test',
          to: ['oncall@example.test'],
        },
        eventTypes: ['member.removed'],
      });
      await owner.members.remove.mutate({ workspace: 'acme', email: 'viewer@example.test' });
      const { dispatcher, worker } = passes();
      await dispatcher.runOnce();
      await worker.runOnce();
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatch(/To: oncall@example\.test/);
      expect(messages[0]).toMatch(/member\.removed/);
    } finally {
      await new Promise<void>((r) => smtp.close(() => r()));
    }
  });
});
