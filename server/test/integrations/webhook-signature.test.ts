import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WEBHOOK_SECRET_PATTERN } from '@vigilo/shared/channels';
import {
  generateWebhookSecret,
  sign,
  verify,
  WebhookSignatureError,
  webhookSecretKey,
} from '../../src/integrations/webhook-signature.ts';

// The test vector the Standard Webhooks reference libraries publish (and test against).
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const at = (seconds: number) => new Date(seconds * 1000);
const headersFor = (id: string, timestamp: number, signature: string) => ({
  'webhook-id': id,
  'webhook-timestamp': String(timestamp),
  'webhook-signature': signature,
});

describe('sign', () => {
  it('reproduces the Standard Webhooks reference vector', () => {
    expect(sign(VECTOR)).toBe(VECTOR.signature);
  });

  it('matches an HMAC computed here by hand from the spec text', () => {
    // Spec: key = base64-decode(secret without "whsec_"); content = "{id}.{timestamp}.{body}".
    const keyBytes = Buffer.from('0123456789abcdef0123456789abcdef', 'utf8');
    const secret = `whsec_${keyBytes.toString('base64')}`;
    const body = '{"type":"alert.opened","data":{"é":"ü"}}';
    const expected = createHmac('sha256', keyBytes).update(`del_1.1700000000.${body}`).digest('base64');
    expect(sign({ id: 'del_1', timestamp: 1700000000, body, secret })).toBe(`v1,${expected}`);
    // Bytes and string bodies sign the same.
    expect(sign({ id: 'del_1', timestamp: 1700000000, body: Buffer.from(body), secret })).toBe(
      `v1,${expected}`,
    );
  });

  it('emits one space-separated entry per secret while rotating', () => {
    const other = generateWebhookSecret();
    const header = sign({ ...VECTOR, secret: [VECTOR.secret, other] });
    const [first, second, extra] = header.split(' ');
    expect(first).toBe(VECTOR.signature);
    expect(second).toBe(sign({ ...VECTOR, secret: other }));
    expect(extra).toBeUndefined();
  });

  it('refuses ids with a dot, bad timestamps and bad secrets', () => {
    expect(() => sign({ ...VECTOR, id: 'a.b' })).toThrow(WebhookSignatureError);
    expect(() => sign({ ...VECTOR, timestamp: 1.5 })).toThrow(/whole Unix seconds/);
    expect(() => sign({ ...VECTOR, secret: 'whsec_c2hvcnQ=' })).toThrow(/24 to 64 bytes/);
    expect(() => sign({ ...VECTOR, secret: 'whsec_not base64!' })).toThrow(WebhookSignatureError);
    expect(() => sign({ ...VECTOR, secret: [] })).toThrow(WebhookSignatureError);
  });
});

describe('generateWebhookSecret', () => {
  it('makes distinct whsec_ secrets of 32 bytes that the shared schema accepts', () => {
    const a = generateWebhookSecret();
    const b = generateWebhookSecret();
    expect(a).not.toBe(b);
    expect(a).toMatch(WEBHOOK_SECRET_PATTERN);
    expect(webhookSecretKey(a)).toHaveLength(32);
    // The bare base64 part is accepted too, as the reference libraries do.
    expect(webhookSecretKey(a.slice('whsec_'.length))).toEqual(webhookSecretKey(a));
  });
});

describe('verify', () => {
  const now = at(VECTOR.timestamp);
  const good = headersFor(VECTOR.id, VECTOR.timestamp, VECTOR.signature);

  it('accepts the reference vector, from a plain object or a Headers', () => {
    expect(verify(good, VECTOR.body, VECTOR.secret, { now })).toEqual({
      ok: true,
      id: VECTOR.id,
      timestamp: VECTOR.timestamp,
    });
    expect(verify(new Headers(good), VECTOR.body, VECTOR.secret, { now }).ok).toBe(true);
    expect(
      verify(
        { 'Webhook-Id': VECTOR.id, 'WEBHOOK-TIMESTAMP': '1614265330', 'webhook-signature': VECTOR.signature },
        VECTOR.body,
        VECTOR.secret,
        { now },
      ).ok,
    ).toBe(true);
  });

  it('accepts when any of several signatures matches, skipping other schemes', () => {
    const wrong = sign({ ...VECTOR, secret: generateWebhookSecret() });
    const header = `v1a,aGVsbG8= ${wrong} v2,xyz ${VECTOR.signature}`;
    expect(verify({ ...good, 'webhook-signature': header }, VECTOR.body, VECTOR.secret, { now }).ok).toBe(
      true,
    );
    // And with several secrets on the receiving side.
    expect(verify(good, VECTOR.body, [generateWebhookSecret(), VECTOR.secret], { now }).ok).toBe(true);
  });

  it('rejects a changed body, id or timestamp, and a wrong secret', () => {
    expect(verify(good, '{"test": 2432232315}', VECTOR.secret, { now })).toMatchObject({
      ok: false,
      reason: 'no_matching_signature',
    });
    expect(verify({ ...good, 'webhook-id': 'msg_other' }, VECTOR.body, VECTOR.secret, { now }).ok).toBe(
      false,
    );
    const shifted = headersFor(VECTOR.id, VECTOR.timestamp + 1, VECTOR.signature);
    expect(verify(shifted, VECTOR.body, VECTOR.secret, { now }).ok).toBe(false);
    expect(verify(good, VECTOR.body, generateWebhookSecret(), { now }).ok).toBe(false);
    // A truncated or garbage signature is a mismatch, not a crash.
    expect(verify({ ...good, 'webhook-signature': 'v1,AAAA' }, VECTOR.body, VECTOR.secret, { now }).ok).toBe(
      false,
    );
    expect(verify({ ...good, 'webhook-signature': 'garbage' }, VECTOR.body, VECTOR.secret, { now }).ok).toBe(
      false,
    );
  });

  it('rejects old and future timestamps beyond the tolerance, accepts within', () => {
    const old = verify(good, VECTOR.body, VECTOR.secret, { now: at(VECTOR.timestamp + 301) });
    expect(old).toMatchObject({ ok: false, reason: 'timestamp_too_old' });
    expect(verify(good, VECTOR.body, VECTOR.secret, { now: at(VECTOR.timestamp + 300) }).ok).toBe(true);
    const future = verify(good, VECTOR.body, VECTOR.secret, { now: at(VECTOR.timestamp - 301) });
    expect(future).toMatchObject({ ok: false, reason: 'timestamp_too_new' });
    const strict = verify(good, VECTOR.body, VECTOR.secret, {
      now: at(VECTOR.timestamp + 11),
      toleranceSeconds: 10,
    });
    expect(strict).toMatchObject({ ok: false, reason: 'timestamp_too_old' });
  });

  it('names missing headers and unreadable timestamps', () => {
    const missing = verify({ 'webhook-id': VECTOR.id }, VECTOR.body, VECTOR.secret, { now });
    expect(missing).toMatchObject({ ok: false, reason: 'missing_header' });
    expect(missing.ok === false && missing.detail).toBe(
      'Missing header webhook-timestamp, webhook-signature',
    );
    const bad = verify({ ...good, 'webhook-timestamp': '2021-02-25T15:02:10Z' }, VECTOR.body, VECTOR.secret, {
      now,
    });
    expect(bad).toMatchObject({ ok: false, reason: 'invalid_timestamp' });
  });
});
