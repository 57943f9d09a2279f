import type { ChannelMessage, SendContext } from '../../src/integrations/channels/types.ts';

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

export function ctx(overrides: Partial<SendContext> = {}): SendContext {
  return {
    deliveryId: '0195a1b2-0000-7000-8000-0000000000d1',
    attempt: 1,
    timeoutMs: 5_000,
    now: () => NOW,
    ...overrides,
  };
}
