import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures as the Standard Webhooks specification (v1.0.0) describes them, so a
 * receiver can verify Vigilo's deliveries with that specification's libraries:
 *
 * - headers `webhook-id` (stable across retries: the receiver's idempotency key),
 *   `webhook-timestamp` (integer Unix seconds of this attempt) and `webhook-signature`;
 * - signed content `${id}.${timestamp}.${body}`, HMAC-SHA256 keyed with the base64-decoded part of
 *   a `whsec_…` secret;
 * - the header is a space-separated list of `v1,<base64>` entries, so during a secret rotation a
 *   delivery carries one signature per secret and a receiver accepts any that matches.
 */

export const WEBHOOK_ID_HEADER = 'webhook-id';
export const WEBHOOK_TIMESTAMP_HEADER = 'webhook-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'webhook-signature';

const SECRET_PREFIX = 'whsec_';
/** The specification asks for 24 to 64 bytes; we generate 32. */
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;
const GENERATED_SECRET_BYTES = 32;
const SIGNATURE_VERSION = 'v1';
const HMAC_BYTES = 32;

/** A bad secret, id or timestamp handed to {@link sign} — a caller's bug or bad stored data. */
export class WebhookSignatureError extends Error {
  override readonly name = 'WebhookSignatureError';
  constructor(
    readonly code: 'WEBHOOK_SECRET_INVALID' | 'WEBHOOK_ID_INVALID' | 'WEBHOOK_TIMESTAMP_INVALID',
    message: string,
  ) {
    super(message);
  }
}

/** A new signing secret: `whsec_` + base64 of 32 random bytes. Shown to the admin once. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(GENERATED_SECRET_BYTES).toString('base64');
}

/**
 * The HMAC key of a secret. Accepts `whsec_<base64>` and, like the specification's libraries, the
 * bare base64 part. The message never repeats the secret.
 */
export function webhookSecretKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(encoded) ? Buffer.from(encoded, 'base64') : Buffer.alloc(0);
  if (key.length < MIN_SECRET_BYTES || key.length > MAX_SECRET_BYTES) {
    throw new WebhookSignatureError(
      'WEBHOOK_SECRET_INVALID',
      `A webhook secret must be whsec_ followed by base64 of ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes`,
    );
  }
  return key;
}

function hmac(key: Buffer, id: string, timestamp: number, body: string | Uint8Array): Buffer {
  return createHmac('sha256', key)
    .update(`${id}.${timestamp}.`, 'utf8')
    .update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body)
    .digest();
}

/**
 * The `webhook-signature` header value for one delivery attempt: `v1,<base64>` per secret,
 * space-separated (several secrets only while rotating).
 *
 * @param id the delivery id; must not contain '.', which would make the signed content ambiguous.
 * @param timestamp integer Unix seconds of this attempt (the `webhook-timestamp` header).
 * @param body the exact bytes sent; any re-serialisation breaks the signature.
 */
export function sign(input: {
  id: string;
  timestamp: number;
  body: string | Uint8Array;
  secret: string | readonly string[];
}): string {
  if (input.id === '' || input.id.includes('.') || /\s/.test(input.id)) {
    throw new WebhookSignatureError(
      'WEBHOOK_ID_INVALID',
      'A webhook id must be non-empty, without "." or spaces',
    );
  }
  if (!Number.isSafeInteger(input.timestamp) || input.timestamp < 0) {
    throw new WebhookSignatureError(
      'WEBHOOK_TIMESTAMP_INVALID',
      'A webhook timestamp must be whole Unix seconds',
    );
  }
  const secrets = typeof input.secret === 'string' ? [input.secret] : input.secret;
  if (secrets.length === 0) {
    throw new WebhookSignatureError(
      'WEBHOOK_SECRET_INVALID',
      'At least one webhook secret is needed to sign',
    );
  }
  return secrets
    .map(
      (s) =>
        `${SIGNATURE_VERSION},${hmac(webhookSecretKey(s), input.id, input.timestamp, input.body).toString('base64')}`,
    )
    .join(' ');
}

/** Header bags as fetch (`Headers`) and node:http (`IncomingHttpHeaders`) present them. */
export type HeaderSource = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

export type VerifyFailure =
  | 'missing_header'
  | 'invalid_timestamp'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'no_matching_signature';

export type VerifyResult =
  { ok: true; id: string; timestamp: number } | { ok: false; reason: VerifyFailure; detail: string };

/**
 * Checks a received webhook, as a receiver would: all three headers present, the timestamp
 * within `toleranceSeconds` of `now` either way (replay protection), and at least one `v1`
 * signature matching one of the secrets, compared in constant time. Entries of other schemes
 * (e.g. `v1a`, asymmetric) are skipped, as the specification allows. A failure is a result, not a
 * throw: a receiver answers it with 401, it is not a bug.
 */
export function verify(
  headers: HeaderSource,
  body: string | Uint8Array,
  secret: string | readonly string[],
  options: { now: Date; toleranceSeconds?: number },
): VerifyResult {
  const id = header(headers, WEBHOOK_ID_HEADER);
  const timestampText = header(headers, WEBHOOK_TIMESTAMP_HEADER);
  const signatures = header(headers, WEBHOOK_SIGNATURE_HEADER);
  const missing = [
    [WEBHOOK_ID_HEADER, id],
    [WEBHOOK_TIMESTAMP_HEADER, timestampText],
    [WEBHOOK_SIGNATURE_HEADER, signatures],
  ].filter(([, v]) => !v);
  if (id === undefined || timestampText === undefined || signatures === undefined || missing.length > 0) {
    return {
      ok: false,
      reason: 'missing_header',
      detail: `Missing header ${missing.map(([name]) => name).join(', ')}`,
    };
  }
  if (!/^\d{1,15}$/.test(timestampText)) {
    return {
      ok: false,
      reason: 'invalid_timestamp',
      detail: `${WEBHOOK_TIMESTAMP_HEADER} is not Unix seconds`,
    };
  }
  const timestamp = Number(timestampText);
  const tolerance = options.toleranceSeconds ?? 300;
  const nowSeconds = Math.floor(options.now.getTime() / 1000);
  if (timestamp < nowSeconds - tolerance) {
    return {
      ok: false,
      reason: 'timestamp_too_old',
      detail: `${WEBHOOK_TIMESTAMP_HEADER} is ${nowSeconds - timestamp}s old (tolerance ${tolerance}s)`,
    };
  }
  if (timestamp > nowSeconds + tolerance) {
    return {
      ok: false,
      reason: 'timestamp_too_new',
      detail: `${WEBHOOK_TIMESTAMP_HEADER} is ${timestamp - nowSeconds}s in the future (tolerance ${tolerance}s)`,
    };
  }
  const expected = (typeof secret === 'string' ? [secret] : secret).map((s) =>
    hmac(webhookSecretKey(s), id, timestamp, body),
  );
  for (const entry of signatures.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== SIGNATURE_VERSION) continue;
    const given = Buffer.from(entry.slice(comma + 1), 'base64');
    // timingSafeEqual needs equal lengths; the length of a valid HMAC is public anyway.
    if (given.length !== HMAC_BYTES) continue;
    if (expected.some((e) => timingSafeEqual(e, given))) return { ok: true, id, timestamp };
  }
  return { ok: false, reason: 'no_matching_signature', detail: 'No v1 signature matches the secret' };
}

function header(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  // node:http lower-cases names; other bags may not.
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.join(' ');
}
