import type { ChannelMessage, SendContext } from '../../src/integrations/channels/types.ts';
import { parseCidr } from '../../src/integrations/outbound/ip.ts';
import { outboundPolicy, type OutboundPolicy } from '../../src/integrations/outbound/policy.ts';

/** A fixed clock: 2026-03-01T12:00:00Z. */
export const NOW = new Date('2026-03-01T12:00:00.000Z');

export function message(overrides: Partial<ChannelMessage> = {}): ChannelMessage {
  return {
    id: '0195a1b2-0000-7000-8000-000000000001',
    type: 'alert.opened',
    workspaceId: '0195a1b2-0000-7000-8000-0000000000aa',
    occurredAt: new Date('2026-03-01T11:59:30.000Z'),
    payload: { alertId: 'a-1', host: 'api.example.com', daysLeft: 3 },
    summary: 'Certificate for api.example.com expires in 3 days',
    severity: 'critical',
    ...overrides,
  };
}

/** An outbound policy allowing the given CIDR blocks (and the system resolver unless given one). */
export function policy(allow: string[], resolve?: OutboundPolicy['resolve']): OutboundPolicy {
  return outboundPolicy({
    allow: allow.map((text) => parseCidr(text)!),
    ...(resolve ? { resolve } : {}),
  });
}

/** The receivers here listen on 127.0.0.1, which the policy opens only when told to, narrowly. */
export const LOOPBACK_ALLOWED = policy(['127.0.0.1/32']);

export function ctx(overrides: Partial<SendContext> = {}): SendContext {
  return {
    deliveryId: '0195a1b2-0000-7000-8000-0000000000d1',
    attempt: 1,
    timeoutMs: 5_000,
    now: () => NOW,
    outbound: LOOPBACK_ALLOWED,
    ...overrides,
  };
}
