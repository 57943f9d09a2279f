import type { z } from 'zod';
import {
  channelConfigSchemas,
  type ChannelConfigByType,
  type ChannelType,
  type NotificationSeverity,
} from '@vigilo/shared/channels';
import type { OutboundPolicy } from '../outbound/policy.ts';

/**
 * The contract every channel transport implements (webhook, Slack, Teams, PagerDuty, email): take
 * one already-validated config with its secrets opened, one message, and make one delivery
 * attempt. Scheduling retries, recording deliveries and disabling failing channels belong to the
 * delivery worker; a transport only reports what happened.
 *
 * Expected failures — the receiver is down, slow, refuses, answers 500 — come back as a
 * {@link DeliveryFailure} result, never as a throw. A throw means a bug, or that the caller
 * cancelled through `signal`.
 */

/** JSON values, as the event payload carries them. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One event to announce, as the outbox hands it over. */
export type ChannelMessage = {
  /** The event's id. */
  id: string;
  /** Event name, e.g. `alert.opened`, `change.approved`. */
  type: string;
  workspaceId: string;
  occurredAt: Date;
  payload: JsonValue;
  /** One human line: "cert for api.example.com expires in 3 days". */
  summary: string;
  severity?: NotificationSeverity;
  /**
   * Groups the events of one incident-like thing (an alert's open, acknowledge and resolve) so a
   * pager updates one incident; PagerDuty's dedup_key. Defaults to the event id.
   */
  dedupKey?: string;
  /** The affected system (host name, agent…); PagerDuty's payload.source. */
  source?: string;
  /** Where the item opens in Vigilo, shown as a link by chat and email channels. */
  link?: string;
};

/** Per-attempt facts from the delivery worker. */
export type SendContext = {
  /** Stable across retries of this (event, channel): the receiver's deduplication key. */
  deliveryId: string;
  /** 1-based attempt number. */
  attempt: number;
  /** The whole attempt (connect, send, first bytes of the answer) must finish within this. */
  timeoutMs: number;
  /** The clock (webhook timestamps, Retry-After dates). */
  now: () => Date;
  /** Cancels the attempt (shutdown); the send then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Which addresses the attempt may connect to (checked on the address actually connected to). */
  outbound: OutboundPolicy;
};

/** Why an attempt failed. */
export type DeliveryFailureReason =
  /** No answer within timeoutMs. */
  | 'timeout'
  /** Connection refused: nothing listens there. */
  | 'refused'
  /** The host name does not resolve. */
  | 'dns'
  /** TLS handshake failed (expired or untrusted certificate, name mismatch…). */
  | 'tls'
  /** The connection broke (reset, closed early) or another network error. */
  | 'network'
  /** The receiver answered with a non-2xx status. */
  | 'http_status'
  /** The receiver answered 2xx, but not in the form its API promises. */
  | 'invalid_response'
  /** The SMTP server refused the sender, the recipients or the message. */
  | 'smtp_rejected'
  /** The SMTP server refused the credentials. */
  | 'smtp_auth'
  /** The config cannot work (bad URL, missing TLS on a starttls server…). */
  | 'invalid_config'
  /** The destination is an address the outbound policy refuses; nothing was sent. */
  | 'outbound_policy';

export type DeliverySuccess = {
  ok: true;
  /** HTTP status, or SMTP reply code. */
  status?: number;
  latencyMs: number;
  /** What answered, never its text: "HTTP 200 (2 bytes)", "SMTP 250". */
  responseSummary: string;
};

export type DeliveryFailure = {
  ok: false;
  reason: DeliveryFailureReason;
  /** Whether the same attempt later may succeed; false means only a config change will help. */
  retryable: boolean;
  status?: number;
  latencyMs: number;
  /** As on success: status and size only. */
  responseSummary?: string;
  /** The receiver's Retry-After, in ms from now; the backoff takes it as a floor. */
  retryAfterMs?: number;
  /**
   * The original error's message (secrets removed), for the delivery log. Never text the receiver
   * sent: an internal service's answer must not reach the admin through the log.
   */
  detail: string;
};

export type DeliveryResult = DeliverySuccess | DeliveryFailure;

/** One channel type's transport. */
export type ChannelTransport<T extends ChannelType> = {
  type: T;
  /** Validates and normalises a raw config (see {@link parseChannelConfig}). */
  schema: (typeof channelConfigSchemas)[T];
  send(config: ChannelConfigByType[T], message: ChannelMessage, ctx: SendContext): Promise<DeliveryResult>;
};

/** One bad config field. */
export type ChannelConfigIssue = { field: string; message: string };

/** A channel config that failed validation, naming every bad field. */
export class ChannelConfigError extends Error {
  override readonly name = 'ChannelConfigError';
  readonly code = 'CHANNEL_CONFIG_INVALID';
  constructor(
    readonly channelType: string,
    readonly issues: readonly ChannelConfigIssue[],
    options?: { cause?: unknown },
  ) {
    super(
      `Invalid ${channelType} channel config: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
      options,
    );
  }
}

/**
 * Validates a raw config against its type's schema. Throws {@link ChannelConfigError} with one
 * issue per bad field (`field` is a dotted path such as `auth.password`).
 */
export function parseChannelConfig<T extends ChannelType>(type: T, raw: unknown): ChannelConfigByType[T] {
  const schema: z.ZodType<ChannelConfigByType[T]> = channelConfigSchemas[type] as never;
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.map(String).join('.') : '(config)',
    message: issue.message,
  }));
  throw new ChannelConfigError(type, issues, { cause: parsed.error });
}
