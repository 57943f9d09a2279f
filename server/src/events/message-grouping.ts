import type { JsonValue } from '../integrations/channels/types.ts';

/**
 * What ties an event to the incident-like thing it belongs to, for pagers: every event of one
 * alert (opened, acknowledged, commented, resolved) shares `alert:<id>`, so PagerDuty's resolve
 * closes the incident its trigger opened instead of opening a new one. `source` is the affected
 * host when the event names one.
 */
export function messageGrouping(type: string, payload: JsonValue): { dedupKey?: string; source?: string } {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return {};
  const alertId = type.startsWith('alert.') ? payload.alertId : undefined;
  const hostname = payload.hostname;
  return {
    ...(typeof alertId === 'string' && alertId ? { dedupKey: `alert:${alertId}` } : {}),
    ...(typeof hostname === 'string' && hostname ? { source: hostname } : {}),
  };
}
