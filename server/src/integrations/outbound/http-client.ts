import http from 'node:http';
import https from 'node:https';
import { guardedLookup, refuseLiteral } from './guard.ts';
import { bareHost } from './ip.ts';
import type { OutboundPolicy } from './policy.ts';

/**
 * The HTTP client of every HTTP channel (webhook, Slack, Teams, PagerDuty): node:http(s) with the
 * policy's lookup, so the address connected to is the address checked. (The global fetch takes
 * no lookup without an undici Agent from a package of its own version.) One connection per
 * request: a pooled socket would outlive the check of the policy it was opened under. Redirects
 * are never followed — node:http does not — since following one lets a receiver steer the
 * server to an internal address.
 */

export type GuardedRequest = {
  url: URL;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
  policy: OutboundPolicy;
};

/**
 * Sends the request; resolves with the response once its head arrived. Rejects with
 * OutboundRefusedError (no connection made) when the policy refuses the destination, with the
 * socket's error otherwise, and with an AbortError when `signal` aborts.
 */
export function requestGuarded(req: GuardedRequest): Promise<http.IncomingMessage> {
  const refused = refuseLiteral(req.policy, req.url.hostname);
  if (refused) return Promise.reject(refused);
  const client = req.url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      {
        method: req.method,
        hostname: bareHost(req.url.hostname),
        ...(req.url.port === '' ? {} : { port: Number(req.url.port) }),
        path: `${req.url.pathname}${req.url.search}`,
        headers: { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) },
        agent: false,
        lookup: guardedLookup(req.policy),
        signal: req.signal,
      },
      resolve,
    );
    request.on('error', reject);
    request.end(req.body);
  });
}

/** What was read of a response body: at most the cap, and whether that was all of it. */
export type BodyRead = { bytes: Buffer; complete: boolean; received: number };

/**
 * Reads at most `maxBytes` of a body, then drops the connection. A stall or reset mid-body ends
 * the read with what arrived (the status already says how the request went).
 */
export async function readCapped(response: http.IncomingMessage, maxBytes: number): Promise<BodyRead> {
  const chunks: Buffer[] = [];
  let received = 0;
  let complete = false;
  try {
    for await (const chunk of response) {
      const buf = chunk as Buffer;
      chunks.push(buf);
      received += buf.byteLength;
      if (received >= maxBytes) break;
    }
    complete = response.complete && received <= maxBytes;
  } catch {
    // The deadline or a reset hit mid-body.
  } finally {
    if (!complete) response.destroy();
  }
  return { bytes: Buffer.concat(chunks).subarray(0, maxBytes), complete, received };
}
