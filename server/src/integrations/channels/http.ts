import { performance } from 'node:perf_hooks';
import {
  RESPONSE_EXCERPT_CHARS,
  type DeliveryFailure,
  type DeliveryResult,
  type SendContext,
} from './types.ts';

/**
 * One JSON POST to a receiver, turned into a DeliveryResult: the shared core of the webhook, Slack,
 * Teams and PagerDuty transports. Uses the global fetch (undici) with a deadline; redirects are
 * not followed (the Standard Webhooks specification counts 3xx as failure, and following one lets
 * a receiver steer the server to an internal address).
 */

/** Reading more than this of an answer is pointless: only an excerpt is kept. */
const MAX_READ_BYTES = 8 * 1024;

export type PostOptions = {
  url: string;
  body: string;
  headers: Record<string, string>;
  ctx: SendContext;
  /** Strings to blank out of details and excerpts (the URL itself may be the credential). */
  secrets: readonly string[];
  /** Extra check of a 2xx answer's text; return a reason to count the answer as invalid. */
  validate2xx?: (status: number, text: string) => string | undefined;
};

/** POSTs and classifies the outcome. Rejects only on a bug or when `ctx.signal` aborts. */
export async function postJson(opts: PostOptions): Promise<DeliveryResult> {
  const { ctx } = opts;
  const timeout = AbortSignal.timeout(ctx.timeoutMs);
  const signal = ctx.signal ? AbortSignal.any([timeout, ctx.signal]) : timeout;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let response: Response;
  try {
    response = await fetch(opts.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Vigilo-Webhooks/1', ...opts.headers },
      body: opts.body,
      redirect: 'manual',
      signal,
    });
  } catch (err) {
    if (ctx.signal?.aborted) throw ctx.signal.reason;
    return networkFailure(err, elapsed(), opts.secrets);
  }
  const { text, complete } = await readExcerpt(response);
  if (ctx.signal?.aborted) throw ctx.signal.reason;
  const latencyMs = elapsed();
  const excerpt = redact(text, opts.secrets).slice(0, RESPONSE_EXCERPT_CHARS);
  const status = response.status;
  if (status >= 200 && status < 300) {
    const invalid = complete ? opts.validate2xx?.(status, text) : undefined;
    if (invalid !== undefined) {
      return {
        ok: false,
        reason: 'invalid_response',
        // Something accepted the request; sending it again reaches the same wrong thing.
        retryable: false,
        status,
        latencyMs,
        responseExcerpt: excerpt,
        detail: redact(invalid, opts.secrets),
      };
    }
    return { ok: true, status, latencyMs, responseExcerpt: excerpt };
  }
  const failure: DeliveryFailure = {
    ok: false,
    reason: 'http_status',
    retryable: isRetryableStatus(status),
    status,
    latencyMs,
    responseExcerpt: excerpt,
    detail: `HTTP ${status}${response.statusText ? ` ${response.statusText}` : ''}`,
  };
  if (status >= 300 && status < 400) {
    failure.detail += ': redirects are not followed; point the channel at the final URL';
  }
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), ctx.now());
  if (retryAfterMs !== undefined) failure.retryAfterMs = retryAfterMs;
  return failure;
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

/**
 * Reads at most MAX_READ_BYTES of the body, then drops the rest. A receiver that stalls mid-body
 * is cut by the same deadline; what arrived is still reported.
 */
async function readExcerpt(response: Response): Promise<{ text: string; complete: boolean }> {
  if (!response.body) return { text: '', complete: true };
  // undici's body is a byte stream; the DOM typings leave its chunk type open.
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let complete = false;
  try {
    while (size < MAX_READ_BYTES) {
      const { done, value } = await reader.read();
      if (done) {
        complete = true;
        break;
      }
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // The deadline or a reset hit mid-body: the status already says how the delivery went.
  } finally {
    if (!complete) await reader.cancel().catch(() => undefined);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), complete };
}

/** Node error codes that name the failure, from fetch's `cause` chain. */
const REFUSED = new Set(['ECONNREFUSED']);
const DNS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);
const TIMEOUT = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

function networkFailure(err: unknown, latencyMs: number, secrets: readonly string[]): DeliveryFailure {
  const base = { ok: false as const, latencyMs };
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
  if (err instanceof TypeError && cause === err && /url/i.test(err.message)) {
    return { ...base, reason: 'invalid_config', retryable: false, detail };
  }
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

/** fetch wraps everything in `TypeError: fetch failed`; the useful error is at the bottom. */
function rootCause(err: Error): Error {
  let current: Error = err;
  for (let depth = 0; depth < 5 && current.cause instanceof Error; depth++) current = current.cause;
  return current;
}

/** "fetch failed: connect ECONNREFUSED 127.0.0.1:9 (ECONNREFUSED)": every level's message. */
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
