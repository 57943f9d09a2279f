import { afterEach, describe, expect, it } from 'vitest';
import type { EmailChannelConfig } from '@vigilo/shared/channels';
import { sendEmail } from '../../src/integrations/channels/email.ts';
import { ctx, message } from './fixtures.ts';
import {
  mailBody,
  mailHeader,
  selfSignedCert,
  startSilentServer,
  startSmtp,
  type SmtpFixture,
} from './smtp.ts';

let smtp: SmtpFixture | undefined;
afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
});

const config = (port: number, overrides: Partial<EmailChannelConfig> = {}): EmailChannelConfig => ({
  host: '127.0.0.1',
  port,
  security: 'none',
  from: 'alerts@vigilo.example',
  to: ['oncall@example.com', 'sre@example.com'],
  ...overrides,
});
const PASSWORD = 'correct horse battery staple';
const cert = selfSignedCert();

describe('email transport (real SMTP server on loopback)', () => {
  it('delivers text and HTML to every recipient without AUTH', async () => {
    smtp = await startSmtp();
    const msg = message({
      summary: 'Cert for <api.example.com> expires in 3 days',
      link: 'https://vigilo.local/a/1',
    });
    const result = await sendEmail(config(smtp.port), msg, ctx());
    expect(result).toMatchObject({ ok: true, status: 250 });
    expect(result.ok && result.responseSummary).toBe('SMTP 250');

    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    expect(mail.from).toBe('alerts@vigilo.example');
    expect(mail.to).toEqual(['oncall@example.com', 'sre@example.com']);
    expect(mail.user).toBeUndefined();
    expect(mailHeader(mail.raw, 'Subject')).toBe(
      '[Vigilo] Critical · alert.opened: Cert for <api.example.com> expires in 3 days',
    );
    expect(mailHeader(mail.raw, 'To')).toBe('oncall@example.com, sre@example.com');
    expect(mailHeader(mail.raw, 'Message-ID')).toBe(`<${ctx().deliveryId}@vigilo.example>`);
    expect(mailHeader(mail.raw, 'X-Vigilo-Delivery-Id')).toBe(ctx().deliveryId);
    expect(mailHeader(mail.raw, 'X-Vigilo-Event')).toBe('alert.opened');
    const body = mailBody(mail.raw);
    expect(body).toContain('Content-Type: text/plain');
    expect(body).toContain('Cert for <api.example.com> expires in 3 days\r\n\r\nEvent: alert.opened');
    expect(body).toContain('Content-Type: text/html');
    expect(body).toContain('<p>Cert for &lt;api.example.com&gt; expires in 3 days</p>');
    expect(body).toContain('<a href="https://vigilo.local/a/1">Open in Vigilo</a>');
  });

  it('authenticates with user and password', async () => {
    smtp = await startSmtp({
      authOptional: false,
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        if (auth.username === 'vigilo' && auth.password === PASSWORD) callback(null, { user: 'vigilo' });
        else callback(new Error('Invalid username or password'));
      },
    });
    const ok = await sendEmail(
      config(smtp.port, { auth: { user: 'vigilo', password: PASSWORD } }),
      message(),
      ctx(),
    );
    expect(ok).toMatchObject({ ok: true, status: 250 });
    expect(smtp.mails[0]!.user).toBe('vigilo');

    const wrong = await sendEmail(
      config(smtp.port, { auth: { user: 'vigilo', password: 'wrong password 123' } }),
      message(),
      ctx(),
    );
    expect(wrong).toMatchObject({ ok: false, reason: 'smtp_auth', retryable: false, status: 535 });
    expect(JSON.stringify(wrong)).not.toContain('wrong password 123');
    expect(smtp.mails).toHaveLength(1);
  });

  it('reports refused recipients: 5xx final, 4xx retryable', async () => {
    smtp = await startSmtp({ rejectRecipient: { address: 'gone@example.com', code: 550 } });
    const permanent = await sendEmail(config(smtp.port, { to: ['gone@example.com'] }), message(), ctx());
    expect(permanent).toMatchObject({ ok: false, reason: 'smtp_rejected', retryable: false, status: 550 });
    await smtp.close();

    smtp = await startSmtp({ rejectRecipient: { address: 'busy@example.com', code: 451 } });
    const transient = await sendEmail(config(smtp.port, { to: ['busy@example.com'] }), message(), ctx());
    expect(transient).toMatchObject({ ok: false, reason: 'smtp_rejected', retryable: true, status: 451 });

    // One good recipient is a delivery; the refused one is named in the excerpt.
    const partial = await sendEmail(
      config(smtp.port, { to: ['ok@example.com', 'busy@example.com'] }),
      message(),
      ctx(),
    );
    expect(partial).toMatchObject({ ok: true });
    expect(partial.ok && partial.responseSummary).toBe('SMTP 250 (rejected: busy@example.com)');
    expect(smtp.mails.map((m) => m.to)).toEqual([['ok@example.com']]);
  });

  it('reports a closed port as refused and a server that never greets as a timeout', async () => {
    smtp = await startSmtp();
    const port = smtp.port;
    await smtp.close();
    smtp = undefined;
    const refused = await sendEmail(config(port), message(), ctx());
    expect(refused).toMatchObject({ ok: false, reason: 'refused', retryable: true });
    expect(refused.ok === false && refused.detail).toContain('ECONNREFUSED');

    const silent = await startSilentServer();
    try {
      const timedOut = await sendEmail(config(silent.port), message(), ctx({ timeoutMs: 300 }));
      expect(timedOut).toMatchObject({ ok: false, reason: 'timeout', retryable: true });
    } finally {
      await silent.close();
    }
  });

  it('starttls fails as a config problem when the server cannot upgrade', async () => {
    smtp = await startSmtp();
    const result = await sendEmail(config(smtp.port, { security: 'starttls' }), message(), ctx());
    expect(result).toMatchObject({ ok: false, reason: 'invalid_config', retryable: false });
  });

  it.skipIf(cert === undefined)('upgrades with STARTTLS, trusting a private CA given as caPem', async () => {
    smtp = await startSmtp({
      disabledCommands: [],
      key: cert!.key,
      cert: cert!.cert,
      onAuth(auth, session, callback) {
        // AUTH only over TLS here (allowInsecureAuth is off): proves the upgrade happened.
        callback(null, { user: auth.username });
      },
    });
    const withCa = await sendEmail(
      config(smtp.port, {
        security: 'starttls',
        caPem: cert!.cert,
        auth: { user: 'vigilo', password: PASSWORD },
      }),
      message(),
      ctx(),
    );
    expect(withCa).toMatchObject({ ok: true, status: 250 });
    expect(smtp.mails[0]!.user).toBe('vigilo');

    const untrusted = await sendEmail(config(smtp.port, { security: 'starttls' }), message(), ctx());
    expect(untrusted).toMatchObject({ ok: false, reason: 'tls', retryable: true });
    expect(smtp.mails).toHaveLength(1);
  });
});
