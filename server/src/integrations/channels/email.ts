import { rootCertificates } from 'node:tls';
import { performance } from 'node:perf_hooks';
import nodemailer from 'nodemailer';
import { emailChannelConfigSchema, type EmailChannelConfig } from '@vigilo/shared/channels';
import { escapeHtml } from '@vigilo/shared/html';
import { messageFacts, messageTitle, oneLine, truncate } from './format.ts';
import { connectGuarded } from '../outbound/guard.ts';
import { findOutboundRefusal } from '../outbound/policy.ts';
import { describe, isTlsCode, redact } from './http.ts';
import {
  type ChannelMessage,
  type ChannelTransport,
  type DeliveryFailure,
  type DeliveryResult,
  type SendContext,
} from './types.ts';

/**
 * Email over SMTP with nodemailer: one connection per attempt (deliveries are rare and a pool
 * would hold sockets to servers that time idle clients out), plain text plus a simple HTML body.
 * The whole attempt — DNS, connect, TLS, AUTH, DATA — runs under one deadline. SMTP 4yz replies
 * are transient and retried; 5yz replies are the server's final word.
 *
 * The TCP connection is opened by the outbound policy (connectGuarded: the address connected to
 * is the address checked) and handed to nodemailer, which then speaks SMTP and TLS over it with
 * the configured host as the TLS server name. The delivery log gets the reply code, never the
 * server's words: a "mail server" that is really an internal service would otherwise show its
 * answer to the admin.
 */

/** Subject line: "[Vigilo] Critical · alert.opened: cert for api… expires in 3 days". */
export function emailSubject(message: ChannelMessage): string {
  return truncate(oneLine(`[Vigilo] ${messageTitle(message)}: ${message.summary}`), 200);
}

/** Plain-text body. */
export function emailText(message: ChannelMessage): string {
  const facts = messageFacts(message).map((f) => `${f.title}: ${f.value}`);
  return [message.summary, '', ...facts, ...(message.link === undefined ? [] : ['', message.link]), ''].join(
    '\n',
  );
}

/** A small, inline-styled HTML body (mail clients ignore style sheets). */
export function emailHtml(message: ChannelMessage): string {
  const rows = messageFacts(message)
    .map(
      (f) =>
        `<tr><th align="left" style="padding:2px 12px 2px 0">${escapeHtml(f.title)}</th>` +
        `<td>${escapeHtml(f.value)}</td></tr>`,
    )
    .join('');
  const link =
    message.link === undefined ? '' : `<p><a href="${escapeHtml(message.link)}">Open in Vigilo</a></p>`;
  return (
    `<!doctype html><html><body style="font-family:sans-serif">` +
    `<h2 style="margin:0 0 8px">${escapeHtml(messageTitle(message))}</h2>` +
    `<p>${escapeHtml(message.summary)}</p><table>${rows}</table>${link}</body></html>`
  );
}

/** Sends one message to every configured recipient. */
export async function sendEmail(
  config: EmailChannelConfig,
  message: ChannelMessage,
  ctx: SendContext,
): Promise<DeliveryResult> {
  const secrets = config.auth === undefined ? [] : [config.auth.password];
  const timeout = AbortSignal.timeout(ctx.timeoutMs);
  const signal = ctx.signal ? AbortSignal.any([timeout, ctx.signal]) : timeout;
  const transport = nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: config.security === 'tls',
    requireTLS: config.security === 'starttls',
    ignoreTLS: config.security === 'none',
    ...(config.auth === undefined ? {} : { auth: { user: config.auth.user, pass: config.auth.password } }),
    // Each phase also gets the whole budget; the signal enforces the total.
    connectionTimeout: ctx.timeoutMs,
    greetingTimeout: ctx.timeoutMs,
    socketTimeout: ctx.timeoutMs,
    dnsTimeout: ctx.timeoutMs,
    // Extra CAs are added to the public ones, not instead of them (Node's `ca` replaces).
    tls: {
      minVersion: 'TLSv1.2',
      ...(config.caPem === undefined ? {} : { ca: [...rootCertificates, config.caPem] }),
    },
    logger: false,
    debug: false,
    getSocket: (_options, callback) => {
      connectGuarded(ctx.outbound, { host: config.host, port: config.port, timeoutMs: ctx.timeoutMs }).then(
        (socket) => callback(null, { connection: socket }),
        (err: Error) => callback(err, undefined),
      );
    },
  });
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const domain = config.from.slice(config.from.lastIndexOf('@') + 1);
  try {
    const info = await transport.sendMail({
      from: config.from,
      to: config.to,
      subject: emailSubject(message),
      text: emailText(message),
      html: emailHtml(message),
      // Stable across retries, so a duplicate from an at-least-once retry threads as the same mail.
      messageId: `<${ctx.deliveryId}@${domain}>`,
      headers: {
        'X-Vigilo-Delivery-Id': ctx.deliveryId,
        'X-Vigilo-Event': message.type,
        'Auto-Submitted': 'auto-generated',
      },
      signal,
    });
    const status = replyCode(info.response);
    const rejected = info.rejected;
    // Our own recipients, not the server's text.
    const summary = `SMTP ${status ?? 'reply'}${rejected.length > 0 ? ` (rejected: ${rejected.join(', ')})` : ''}`;
    return {
      ok: true,
      ...(status === undefined ? {} : { status }),
      latencyMs: elapsed(),
      responseSummary: summary,
    };
  } catch (err) {
    if (ctx.signal?.aborted) throw ctx.signal.reason;
    return smtpFailure(err, elapsed(), secrets);
  } finally {
    transport.close();
  }
}

/** The error fields nodemailer adds. */
type SmtpError = Error & {
  code?: string;
  originalCode?: string;
  responseCode?: number;
  response?: string;
  command?: string;
};

/** Turns a nodemailer error into a result; unknown shapes count as network failures. */
export function smtpFailure(err: unknown, latencyMs: number, secrets: readonly string[]): DeliveryFailure {
  const refused = findOutboundRefusal(err);
  if (refused) {
    return { ok: false, reason: 'outbound_policy', retryable: false, latencyMs, detail: refused.message };
  }
  const e: SmtpError = err instanceof Error ? err : new Error(String(err));
  // nodemailer appends the server's reply to its messages; keep only our side of the story.
  const detail = withhold(redact(describe(e), secrets), e.response);
  const status = e.responseCode;
  const base = {
    ok: false as const,
    latencyMs,
    detail,
    ...(status === undefined ? {} : { status, responseSummary: `SMTP ${status}` }),
  };
  // RFC 5321: 4yz is transient, 5yz permanent (503 is a sequence error, fine on a new session).
  const transient = status === undefined || (status >= 400 && status < 500) || status === 503;
  // A socket error from connectGuarded arrives unwrapped, with its errno as the code.
  const original = e.originalCode ?? e.code ?? '';
  switch (e.code ?? '') {
    case 'EABORT':
    case 'ETIMEDOUT':
      return { ...base, reason: 'timeout', retryable: true };
    case 'EDNS':
      return { ...base, reason: 'dns', retryable: true };
    case 'EAUTH':
    case 'ENOAUTH':
      return {
        ...base,
        reason: 'smtp_auth',
        retryable: status !== undefined && status >= 400 && status < 500,
      };
    case 'EENVELOPE':
    case 'EMESSAGE':
    case 'EMAXRECIPIENTS':
      return { ...base, reason: 'smtp_rejected', retryable: transient };
    case 'ETLS':
      // STARTTLS required but not offered: only a config change (or the server's admin) helps.
      if (/STARTTLS/i.test(e.message)) return { ...base, reason: 'invalid_config', retryable: false };
      return { ...base, reason: 'tls', retryable: true };
    case 'ECONFIG':
      return { ...base, reason: 'invalid_config', retryable: false };
    default:
      if (original === 'ECONNREFUSED') return { ...base, reason: 'refused', retryable: true };
      if (isTlsCode(original)) return { ...base, reason: 'tls', retryable: true };
      if (original === 'ETIMEDOUT') return { ...base, reason: 'timeout', retryable: true };
      if (status !== undefined && status >= 400) {
        return { ...base, reason: 'smtp_rejected', retryable: transient };
      }
      return { ...base, reason: 'network', retryable: true };
  }
}

/** Replaces the server's reply wherever nodemailer quoted it. */
function withhold(text: string, reply: string | undefined): string {
  const trimmed = reply?.trim() ?? '';
  if (trimmed.length < 3) return text;
  return text
    .split(reply as string)
    .join('[reply withheld]')
    .split(trimmed)
    .join('[reply withheld]');
}

function replyCode(response: string | undefined): number | undefined {
  const match = /^(\d{3})[\s-]/.exec(response ?? '');
  return match ? Number(match[1]) : undefined;
}

export const emailTransport: ChannelTransport<'email'> = {
  type: 'email',
  schema: emailChannelConfigSchema,
  send: sendEmail,
};
