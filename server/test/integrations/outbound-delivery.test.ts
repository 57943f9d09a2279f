import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { sendToChannel } from '../../src/integrations/channels/index.ts';
import { sendEmail } from '../../src/integrations/channels/email.ts';
import { sendWebhook } from '../../src/integrations/channels/webhook.ts';
import { checkHost } from '../../src/integrations/outbound/guard.ts';
import { decideAddress, type ResolvedAddress } from '../../src/integrations/outbound/policy.ts';
import { generateWebhookSecret } from '../../src/integrations/webhook-signature.ts';
import { ctx, message, policy } from './fixtures.ts';
import { startReceiver, type Receiver } from './receiver.ts';
import { startSmtp, type SmtpFixture } from './smtp.ts';

/**
 * Deliveries under the outbound policy, against real receivers on loopback: a refused destination
 * fails with reason `outbound_policy` and the receiver sees nothing — not even a connection.
 */

const secret = generateWebhookSecret();
const STRICT = policy([]);

/** An address of this machine in a private range (e.g. a ULA on eth0), to listen on for real. */
const privateAddress = Object.values(os.networkInterfaces())
  .flat()
  .find((i) => {
    if (!i || i.internal) return false;
    const decision = decideAddress(STRICT, i.address);
    return !decision.allowed && decision.addressClass === 'private';
  });
let receiver: Receiver | undefined;
let smtp: SmtpFixture | undefined;
afterEach(async () => {
  await receiver?.close();
  await smtp?.close();
  receiver = undefined;
  smtp = undefined;
});

/** The receiver's URL with another host in it. */
const withHost = (url: string, host: string) => {
  const u = new URL(url);
  u.hostname = host;
  return u.toString();
};

const refusal = {
  ok: false,
  reason: 'outbound_policy',
  retryable: false,
  detail: expect.stringMatching(/^destination refused by outbound policy: /),
};

describe('deliveries under the outbound policy', () => {
  it('refuses a webhook to 127.0.0.1 unless loopback is allowed, without connecting', async () => {
    receiver = await startReceiver({ respond: 200 });
    const refused = await sendWebhook({ url: receiver.url, secret }, message(), ctx({ outbound: STRICT }));
    expect(refused).toMatchObject(refusal);
    expect(refused.ok === false && refused.detail).toContain('127.0.0.1 is a loopback address');
    expect(receiver.requests).toHaveLength(0);

    const mapped = withHost(receiver.url, '[::ffff:127.0.0.1]');
    expect(await sendWebhook({ url: mapped, secret }, message(), ctx({ outbound: STRICT }))).toMatchObject(
      refusal,
    );
    expect(receiver.requests).toHaveLength(0);

    // The same receiver, allowed narrowly (as the test rig does): delivered.
    expect(await sendWebhook({ url: receiver.url, secret }, message(), ctx())).toMatchObject({ ok: true });
    expect(receiver.requests).toHaveLength(1);
  });

  it('refuses a name that resolves to loopback (localhost)', async () => {
    receiver = await startReceiver({ respond: 200 });
    const url = withHost(receiver.url, 'localhost');
    const result = await sendWebhook({ url, secret }, message(), ctx({ outbound: STRICT }));
    expect(result).toMatchObject(refusal);
    expect(result.ok === false && result.detail).toContain('localhost is a loopback address');
    expect(receiver.requests).toHaveLength(0);
  });

  it('refuses the metadata address even when everything else is allowed', async () => {
    const started = Date.now();
    const result = await sendWebhook(
      { url: 'http://169.254.169.254/latest/meta-data/', secret },
      message(),
      ctx({ outbound: policy(['0.0.0.0/0', '::/0', '127.0.0.1/32']), timeoutMs: 2_000 }),
    );
    expect(result).toMatchObject(refusal);
    expect(result.ok === false && result.detail).toContain('cloud metadata address');
    // Refused before connecting, not after a timeout.
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it.skipIf(privateAddress === undefined)(
    'reaches a private address only when the allow-list holds it (this machine’s own private address)',
    async () => {
      const address = privateAddress!;
      const hits: string[] = [];
      const server = http.createServer((req, res) => {
        hits.push(req.url ?? '');
        res.writeHead(204).end();
      });
      await new Promise<void>((resolve) => server.listen(0, address.address, resolve));
      try {
        const port = (server.address() as net.AddressInfo).port;
        const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
        const url = `http://${host}:${port}/hook`;
        expect(await sendWebhook({ url, secret }, message(), ctx({ outbound: STRICT }))).toMatchObject({
          ...refusal,
          detail: expect.stringContaining('is a private address'),
        });
        expect(hits).toHaveLength(0);
        const allow = address.family === 'IPv6' ? [`${address.address}/128`] : [`${address.address}/32`];
        const allowed = await sendWebhook({ url, secret }, message(), ctx({ outbound: policy(allow) }));
        expect(allowed).toMatchObject({ ok: true, status: 204 });
        expect(hits).toEqual(['/hook']);
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  );

  it('refuses Slack, Teams and PagerDuty URLs on loopback, PagerDuty events URL override included', async () => {
    receiver = await startReceiver({ respond: 202, body: '{"status":"success"}' });
    const strict = ctx({ outbound: STRICT });
    expect(await sendToChannel('slack', { url: receiver.url }, message(), strict)).toMatchObject(refusal);
    expect(await sendToChannel('teams', { url: receiver.url }, message(), strict)).toMatchObject(refusal);
    const pagerduty = { routingKey: 'R0123456789abcdefABCDEF012345678', eventsUrl: receiver.url };
    expect(await sendToChannel('pagerduty', pagerduty, message(), strict)).toMatchObject(refusal);
    expect(receiver.requests).toHaveLength(0);
  });

  it('refuses an email channel pointed at a loopback port, without opening a connection', async () => {
    let connections = 0;
    smtp = await startSmtp({
      onConnect(_session, callback) {
        connections += 1;
        callback();
      },
    });
    const config = {
      host: '127.0.0.1',
      port: smtp.port,
      security: 'none' as const,
      from: 'alerts@vigilo.example',
      to: ['oncall@example.com'],
    };
    expect(await sendEmail(config, message(), ctx({ outbound: STRICT }))).toMatchObject(refusal);
    expect(
      await sendEmail({ ...config, host: 'localhost' }, message(), ctx({ outbound: STRICT })),
    ).toMatchObject(refusal);
    expect(connections).toBe(0);
    expect(smtp.mails).toHaveLength(0);
    // Allowed narrowly, the same server gets the mail.
    expect(await sendEmail(config, message(), ctx())).toMatchObject({
      ok: true,
      responseSummary: 'SMTP 250',
    });
    expect(connections).toBe(1);
  });

  it('checks the address actually connected to: a name that rebinds to loopback after the check is refused', async () => {
    receiver = await startReceiver({ respond: 200 });
    // First answer public (what a configuration-time check sees), then loopback (at delivery).
    const answers: ResolvedAddress[][] = [
      [{ address: '93.184.215.14', family: 4 }],
      [{ address: '127.0.0.1', family: 4 }],
    ];
    const calls: string[] = [];
    const rebinding = policy([], (hostname) => {
      calls.push(hostname);
      return Promise.resolve(answers[Math.min(calls.length - 1, answers.length - 1)]!);
    });
    expect(await checkHost(rebinding, 'rebind.example')).toBeUndefined();
    const result = await sendWebhook(
      { url: withHost(receiver.url, 'rebind.example'), secret },
      message(),
      ctx({ outbound: rebinding }),
    );
    expect(result).toMatchObject(refusal);
    expect(calls).toEqual(['rebind.example', 'rebind.example']);
    expect(receiver.requests).toHaveLength(0);
  });

  it('keeps a receiver’s answer out of the result: status and size only', async () => {
    const leak = 'INTERNAL-ONLY-DATA db_password=hunter2-s3cr3t';
    receiver = await startReceiver(
      { respond: 200, body: leak },
      { respond: 500, body: leak, headers: { 'x-note': leak } },
    );
    const ok = await sendWebhook({ url: receiver.url, secret }, message(), ctx());
    const failed = await sendWebhook({ url: receiver.url, secret }, message(), ctx());
    expect(ok).toMatchObject({ ok: true, status: 200, responseSummary: `HTTP 200 (${leak.length} bytes)` });
    expect(failed).toMatchObject({ ok: false, status: 500, detail: 'HTTP 500' });
    for (const result of [ok, failed]) expect(JSON.stringify(result)).not.toMatch(/INTERNAL-ONLY|hunter2/);
  });

  it('keeps a non-SMTP service’s greeting out of an email failure', async () => {
    const leak = 'INTERNAL-ONLY-DATA db_password=hunter2-s3cr3t';
    const server = net.createServer((socket) => socket.end(`HTTP/1.1 400 Bad Request\r\n\r\n${leak}\r\n`));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const result = await sendEmail(
        { host: '127.0.0.1', port, security: 'none', from: 'a@vigilo.example', to: ['b@example.com'] },
        message(),
        ctx(),
      );
      expect(result.ok).toBe(false);
      expect(JSON.stringify(result)).not.toMatch(/INTERNAL-ONLY|hunter2/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
