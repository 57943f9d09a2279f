import { performance } from 'node:perf_hooks';
import { readCapped, requestGuarded } from '../outbound/http-client.ts';
import { findOutboundRefusal } from '../outbound/policy.ts';
import type { DeliveryFailure, DeliveryResult, SendContext } from './types.ts';

/**
 * One JSON POST to a receiver, turned into a DeliveryResult: the shared core of the webhook, Slack,
 * Teams and PagerDuty transports. The request goes through the outbound policy's client
 * (../outbound/http-client.ts: checked at connect, redirects not followed) under one deadline.
 *
 * What comes back is summarised, never quoted: the delivery log shows "HTTP 500 (312 bytes)",
 * because the receiver may be something that answers with what it should not show (an internal
 * service reached through a misdirected URL). The body is read only to count it and to let a
 * transport check a 2xx (PagerDuty's `{"status":"success"}`).
 */

/** Reading more than this of an answer is pointless: it is only counted and, for 2xx, checked. */
const MAX_READ_BYTES = 8 * 1024;

export type PostOptions = {
  url: string;
  body: string;
  headers: Record<string, string>;
  ctx: SendContext;
  /** Strings to blank out of details (the URL itself may be the credential). */
  secrets: readonly string[];
  /** Extra check of a 2xx answer's text; return a reason (our words, not the answer's) if invalid. */
  validate2xx?: (status: number, text: string) => string | undefined;
};

/** POSTs and classifies the outcome. Rejects only on a bug or when `ctx.signal` aborts. */
export async function postJson(opts: PostOptions): Promise<DeliveryResult> {
  const { ctx } = opts;
  const timeout = AbortSignal.timeout(ctx.timeoutMs);
  const signal = ctx.signal ? AbortSignal.any([timeout, ctx.signal]) : timeout;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const url = URL.canParse(opts.url) ? new URL(opts.url) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    return {
      ok: false,
      reason: 'invalid_config',
      retryable: false,
      latencyMs: 0,
      detail: 'the URL is not an http:// or https:// URL',
    };
  }
  let response: Awaited<ReturnType<typeof requestGuarded>>;
  try {
    response = await requestGuarded({
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Vigilo-Webhooks/1', ...opts.headers },
      body: opts.body,
      signal,
      policy: ctx.outbound,
    });
  } catch (err) {
    if (ctx.signal?.aborted) throw ctx.signal.reason;
    return networkFailure(err, elapsed(), opts.secrets);
  }
  const read = await readCapped(response, MAX_READ_BYTES);
  if (ctx.signal?.aborted) throw ctx.signal.reason;
  const latencyMs = elapsed();
  const status = response.statusCode ?? 0;
  const responseSummary = summarizeHttp(status, read.received, read.complete);
  if (status >= 200 && status < 300) {
    const invalid = read.complete ? opts.validate2xx?.(status, read.bytes.toString('utf8')) : undefined;
    if (invalid !== undefined) {
      return {
        ok: false,
        reason: 'invalid_response',
        // Something accepted the request; sending it again reaches the same wrong thing.
        retryable: false,
        status,
        latencyMs,
        responseSummary,
        detail: redact(invalid, opts.secrets),
      };
    }
    return { ok: true, status, latencyMs, responseSummary };
  }
  // The status code only: the reason phrase is the receiver's text like the body.
  const failure: DeliveryFailure = {
    ok: false,
    reason: 'http_status',
    retryable: isRetryableStatus(status),
    status,
    latencyMs,
    responseSummary,
    detail: `HTTP ${status}`,
  };
  if (status >= 300 && status < 400) {
    failure.detail += ': redirects are not followed; point the channel at the final URL';
  }
  const retryAfter = response.headers['retry-after'];
  const retryAfterMs = parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : null, ctx.now());
  if (retryAfterMs !== undefined) failure.retryAfterMs = retryAfterMs;
  return failure;
}

/** "HTTP 200", "HTTP 500 (312 bytes)", "HTTP 200 (over 8192 bytes)": what answered, not what it said. */
export function summarizeHttp(status: number, received: number, complete: boolean): string {
  if (received === 0 && complete) return `HTTP ${status}`;
  return complete ? `HTTP ${status} (${received} bytes)` : `HTTP ${status} (over ${received} bytes)`;
}

/**
 * 408 (request timeout), 429 (rate limited) and 5xx are worth retrying; any other status is the
 * receiver's considered answer and will be the same next time.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status < 600);
}

/**
 * Retry-After as ms from `now`: delta-seconds or an HTTP date (RFC 9110 §10.2.3). Undefined when
 * absent or unreadable; 0 for a date in the past.
 */
export function parseRetryAfter(value: string | null, now: Date): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now.getTime());
}

/** Node error codes that name the failure, from the bottom of the error's `cause` chain. */
const REFUSED = new Set(['ECONNREFUSED']);
const DNS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);
const TIMEOUT = new Set(['ETIMEDOUT']);

function networkFailure(err: unknown, latencyMs: number, secrets: readonly string[]): DeliveryFailure {
  const base = { ok: false as const, latencyMs };
  const refused = findOutboundRefusal(err);
  if (refused) {
    // Only a config change (or the operator's allow-list) helps; nothing was sent.
    return { ...base, reason: 'outbound_policy', retryable: false, detail: redact(refused.message, secrets) };
  }
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return { ...base, reason: 'timeout', retryable: true, detail: 'No answer before the delivery timeout' };
  }
  if (!(err instanceof Error)) {
    return { ...base, reason: 'network', retryable: true, detail: redact(String(err), secrets) };
  }
  const cause = rootCause(err);
  const code = (cause as NodeJS.ErrnoException).code ?? '';
  const detail = redact(describe(err), secrets);
  if (REFUSED.has(code)) return { ...base, reason: 'refused', retryable: true, detail };
  if (DNS.has(code)) return { ...base, reason: 'dns', retryable: true, detail };
  if (TIMEOUT.has(code)) return { ...base, reason: 'timeout', retryable: true, detail };
  if (isTlsCode(code)) return { ...base, reason: 'tls', retryable: true, detail };
  return { ...base, reason: 'network', retryable: true, detail };
}

/** OpenSSL and Node name TLS failures in a few families. */
export function isTlsCode(code: string): boolean {
  return (
    code.startsWith('ERR_SSL_') ||
    code.startsWith('ERR_TLS_') ||
    /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ISSUER|CHAIN/.test(code)
  );
}

/** Wrapped errors (AbortError over TimeoutError, nodemailer over errno) keep the useful one at the bottom. */
function rootCause(err: Error): Error {
  let current: Error = err;
  for (let depth = 0; depth < 5 && current.cause instanceof Error; depth++) current = current.cause;
  return current;
}

/** "connect ECONNREFUSED 127.0.0.1:9": every level's message, with its code where it adds one. */
export function describe(err: Error): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    // DOMException carries a numeric legacy code; only Node's string codes say anything.
    const code: unknown = (current as NodeJS.ErrnoException).code;
    parts.push(
      typeof code === 'string' && code !== '' && !current.message.includes(code)
        ? `${current.message} (${code})`
        : current.message,
    );
    current = current.cause;
  }
  return parts.join(': ');
}

/**
 * The parts of a URL that may be a credential (Slack, Teams and Workflows URLs carry their token
 * in the path or query), for {@link redact}.
 */
export function urlSecrets(url: string): string[] {
  if (!URL.canParse(url)) return [url];
  const u = new URL(url);
  const rest = u.pathname + u.search;
  return rest.length > 1 ? [url, rest] : [url];
}

/** Blanks every occurrence of each secret (≥ 4 chars, so "a" does not eat the text). */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out;
}
