import {
  pagerdutyChannelConfigSchema,
  type NotificationSeverity,
  type PagerdutyChannelConfig,
} from '@vigilo/shared/channels';
import { oneLine, truncate } from './format.ts';
import { postJson } from './http.ts';
import type { ChannelMessage, ChannelTransport, DeliveryResult, SendContext } from './types.ts';

/**
 * PagerDuty Events API v2: one event per message to the events URL (default
 * https://events.pagerduty.com/v2/enqueue). Events sharing a dedup_key update one PagerDuty
 * incident, so an alert's `*.resolved` event resolves the incident its `*.opened` event triggered
 * — the caller gives both the same {@link ChannelMessage.dedupKey}. PagerDuty answers 202
 * `{"status":"success",…}`, 400 for an invalid event (not retryable), 429 when throttled.
 */

export type PagerdutyEventAction = 'trigger' | 'acknowledge' | 'resolve';
export type PagerdutySeverity = 'critical' | 'error' | 'warning' | 'info';

/** Our severities map one to one; PagerDuty's `error` has no counterpart. */
const SEVERITY: Record<NotificationSeverity, PagerdutySeverity> = {
  info: 'info',
  warning: 'warning',
  critical: 'critical',
};

/**
 * Events that annotate an alert without changing whether anyone should be paged: a comment or a
 * snooze must never open (or re-open) an incident. They are not sent to PagerDuty at all.
 */
const NOT_PAGED = new Set(['alert.commented', 'alert.snoozed', 'alert.unsnoozed']);

/**
 * `*.resolved` resolves, `*.acknowledged` acknowledges, annotations are not sent (undefined), any
 * other event triggers (or, with the same dedup key, adds to the open incident). Of an escalation,
 * only a page triggers (the alert's own acknowledge and resolve close it); its start, a missed
 * step and its stop are bookkeeping that must not open an incident.
 */
export function pagerdutyEventAction(eventType: string): PagerdutyEventAction | undefined {
  if (NOT_PAGED.has(eventType)) return undefined;
  if (eventType.startsWith('escalation.')) return eventType === 'escalation.paged' ? 'trigger' : undefined;
  if (eventType.endsWith('.resolved')) return 'resolve';
  if (eventType.endsWith('.acknowledged')) return 'acknowledge';
  return 'trigger';
}

/**
 * One PagerDuty incident per alert: every event that names an alert (its open, an escalation's
 * page of it, its acknowledge and resolve) carries `alert:<id>`, so a resolve closes the incident
 * that the trigger opened, whichever of them triggered first.
 */
export function pagerdutyDedupKey(message: ChannelMessage): string {
  if (message.dedupKey !== undefined) return message.dedupKey;
  const p = message.payload;
  const alertId = p !== null && typeof p === 'object' && !Array.isArray(p) ? p.alertId : undefined;
  return typeof alertId === 'string' && alertId !== '' ? `alert:${alertId}` : message.id;
}

/** The Events API v2 body of one message. */
export function pagerdutyEvent(
  config: PagerdutyChannelConfig,
  message: ChannelMessage,
  action: PagerdutyEventAction,
): Record<string, unknown> {
  const event: Record<string, unknown> = {
    routing_key: config.routingKey,
    event_action: action,
    // PagerDuty caps dedup_key at 255 characters.
    dedup_key: truncate(pagerdutyDedupKey(message), 255),
    client: 'Vigilo',
    ...(message.link === undefined ? {} : { client_url: message.link }),
  };
  // A resolve or acknowledge needs only the key; a trigger needs payload.summary/source/severity.
  if (action === 'trigger') {
    event.payload = {
      summary: truncate(oneLine(message.summary), 1024),
      source: truncate(message.source ?? `vigilo workspace ${message.workspaceId}`, 255),
      // No severity (a change or compliance event) is informational; paging follows alert rules.
      severity: SEVERITY[message.severity ?? 'info'],
      timestamp: message.occurredAt.toISOString(),
      class: message.type,
      custom_details: { eventId: message.id, workspaceId: message.workspaceId, data: message.payload },
    };
    if (message.link !== undefined) event.links = [{ href: message.link, text: 'Open in Vigilo' }];
  }
  return event;
}

/** A 2xx from the real API is JSON with status "success"; anything else went somewhere else. */
function checkAccepted(_status: number, text: string): string | undefined {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === 'object' && body !== null && (body as { status?: unknown }).status === 'success') {
      return undefined;
    }
  } catch {
    // fall through: not JSON
  }
  return 'PagerDuty answered 2xx without {"status":"success"}: is eventsUrl the Events API v2 endpoint?';
}

/** Sends one event. */
export async function sendPagerduty(
  config: PagerdutyChannelConfig,
  message: ChannelMessage,
  ctx: SendContext,
): Promise<DeliveryResult> {
  const action = pagerdutyEventAction(message.type);
  if (!action) {
    // Delivered as far as this channel goes: recorded, never retried, nothing paged.
    return {
      ok: true,
      latencyMs: 0,
      responseSummary: `not sent: ${message.type} does not page (PagerDuty gets opened, acknowledged and resolved)`,
    };
  }
  return postJson({
    url: config.eventsUrl,
    body: JSON.stringify(pagerdutyEvent(config, message, action)),
    headers: {},
    ctx,
    secrets: [config.routingKey],
    validate2xx: checkAccepted,
  });
}

export const pagerdutyTransport: ChannelTransport<'pagerduty'> = {
  type: 'pagerduty',
  schema: pagerdutyChannelConfigSchema,
  send: sendPagerduty,
};
