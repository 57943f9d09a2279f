import { afterEach, describe, expect, it } from 'vitest';
import { sendWebhook, webhookBody } from '../../src/integrations/channels/webhook.ts';
import { generateWebhookSecret, verify } from '../../src/integrations/webhook-signature.ts';
import { ctx, message, NOW } from './fixtures.ts';
import { refusedUrl, startReceiver, type Receiver } from './receiver.ts';

const secret = generateWebhookSecret();
let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('generic webhook transport (real HTTP receiver on loopback)', () => {
  it('POSTs the JSON event with valid Standard Webhooks headers', async () => {
    receiver = await startReceiver({ respond: 200, body: 'thanks' });
    const msg = message();
    const result = await sendWebhook({ url: receiver.url, secret }, msg, ctx());
    expect(result).toMatchObject({ ok: true, status: 200, responseSummary: 'HTTP 200 (6 bytes)' });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);

    expect(receiver.requests).toHaveLength(1);
    const req = receiver.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/hooks/in');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['webhook-id']).toBe(ctx().deliveryId);
    expect(req.headers['webhook-timestamp']).toBe(String(NOW.getTime() / 1000));
    expect(req.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    // The exact bytes: what was signed is what arrived.
    expect(req.body).toBe(webhookBody(msg));
    expect(JSON.parse(req.body)).toEqual({
      type: 'alert.opened',
      timestamp: '2026-03-01T11:59:30.000Z',
      id: msg.id,
      workspaceId: msg.workspaceId,
      summary: msg.summary,
      severity: 'critical',
      data: msg.payload,
    });
    // A receiver verifies with the secret and its own clock.
    expect(verify(req.headers, req.body, secret, { now: NOW })).toMatchObject({
      ok: true,
      id: ctx().deliveryId,
    });
    expect(verify(req.headers, req.body, generateWebhookSecret(), { now: NOW }).ok).toBe(false);
    expect(verify(req.headers, req.body, secret, { now: new Date(NOW.getTime() + 600_000) }).ok).toBe(false);
  });

  it('keeps webhook-id across retries and re-signs each attempt with its own timestamp', async () => {
    receiver = await startReceiver({ respond: 500 }, { respond: 204 });
    const later = new Date(NOW.getTime() + 65_000);
    const first = await sendWebhook({ url: receiver.url, secret }, message(), ctx());
    const second = await sendWebhook(
      { url: receiver.url, secret },
      message(),
      ctx({ attempt: 2, now: () => later }),
    );
    expect(first).toMatchObject({ ok: false, reason: 'http_status', status: 500, retryable: true });
    expect(second).toMatchObject({ ok: true, status: 204, responseSummary: 'HTTP 204' });
    const [a, b] = receiver.requests;
    expect(a!.headers['webhook-id']).toBe(b!.headers['webhook-id']);
    expect(b!.headers['webhook-timestamp']).toBe(String(later.getTime() / 1000));
    expect(a!.headers['webhook-signature']).not.toBe(b!.headers['webhook-signature']);
    expect(verify(b!.headers, b!.body, secret, { now: later }).ok).toBe(true);
  });

  it('reports a 500 as a retryable failure with its status and size, not its text', async () => {
    receiver = await startReceiver({ respond: 500, body: `boom ${'x'.repeat(2000)}` });
    const result = await sendWebhook({ url: receiver.url, secret }, message(), ctx());
    expect(result).toMatchObject({ ok: false, reason: 'http_status', status: 500, retryable: true });
    if (result.ok) throw new Error('unreachable');
    expect(result.detail).toBe('HTTP 500');
    expect(result.responseSummary).toBe('HTTP 500 (2005 bytes)');
    expect(JSON.stringify(result)).not.toContain('boom');
  });

  it('reports a receiver that never answers as a retryable timeout', async () => {
    receiver = await startReceiver({ hang: true });
    const result = await sendWebhook({ url: receiver.url, secret }, message(), ctx({ timeoutMs: 300 }));
    expect(result).toMatchObject({ ok: false, reason: 'timeout', retryable: true });
    expect(receiver.requests).toHaveLength(1);
  });

  it('reports a closed port as a retryable refusal, keeping the original error', async () => {
    const result = await sendWebhook({ url: await refusedUrl(), secret }, message(), ctx());
    expect(result).toMatchObject({ ok: false, reason: 'refused', retryable: true });
    if (result.ok) throw new Error('unreachable');
    expect(result.detail).toContain('ECONNREFUSED');
    expect(result.status).toBeUndefined();
  });

  it('honours Retry-After on 429, in seconds or as a date', async () => {
    receiver = await startReceiver(
      { respond: 429, headers: { 'retry-after': '120' }, body: 'slow down' },
      { respond: 503, headers: { 'retry-after': new Date(NOW.getTime() + 30_000).toUTCString() } },
    );
    const first = await sendWebhook({ url: receiver.url, secret }, message(), ctx());
    expect(first).toMatchObject({ ok: false, status: 429, retryable: true, retryAfterMs: 120_000 });
    const second = await sendWebhook({ url: receiver.url, secret }, message(), ctx());
    expect(second).toMatchObject({ ok: false, status: 503, retryable: true, retryAfterMs: 30_000 });
  });

  it('does not retry 4xx (except 408/429) and does not follow redirects', async () => {
    receiver = await startReceiver(
      { respond: 404 },
      { respond: 410 },
      { respond: 408 },
      { respond: 302, headers: { location: 'http://169.254.169.254/latest/meta-data' } },
    );
    const send = () => sendWebhook({ url: receiver!.url, secret }, message(), ctx());
    expect(await send()).toMatchObject({ ok: false, status: 404, retryable: false });
    expect(await send()).toMatchObject({ ok: false, status: 410, retryable: false });
    expect(await send()).toMatchObject({ ok: false, status: 408, retryable: true });
    const redirected = await send();
    expect(redirected).toMatchObject({ ok: false, reason: 'http_status', status: 302, retryable: false });
    expect(receiver.requests).toHaveLength(4);
  });

  it('reports an unresolvable host as a dns failure', async () => {
    // .invalid never resolves (RFC 6761), so no traffic leaves the machine.
    const result = await sendWebhook({ url: 'http://vigilo-test.invalid/hook', secret }, message(), ctx());
    expect(result).toMatchObject({ ok: false, reason: 'dns', retryable: true });
  });

  it("rejects with the caller's reason when the caller cancels", async () => {
    receiver = await startReceiver({ hang: true });
    const controller = new AbortController();
    const pending = sendWebhook({ url: receiver.url, secret }, message(), ctx({ signal: controller.signal }));
    setTimeout(() => controller.abort(new Error('shutting down')), 50);
    await expect(pending).rejects.toThrow('shutting down');
  });
});
