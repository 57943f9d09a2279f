import { describe, expect, it } from 'vitest';
import { messageGrouping } from '../../src/events/message-grouping.ts';

describe('message grouping for pagers', () => {
  it('gives every event of one alert the same dedup key, and names the host as the source', () => {
    const alertId = '6f1c2f0e-0000-4000-8000-000000000001';
    const opened = messageGrouping('alert.opened', { alertId, hostname: 'api.example.com' });
    const resolved = messageGrouping('alert.resolved', { alertId, hostname: 'api.example.com' });
    expect(opened).toEqual({ dedupKey: `alert:${alertId}`, source: 'api.example.com' });
    expect(resolved.dedupKey).toBe(opened.dedupKey);
    expect(messageGrouping('alert.acknowledged', { alertId }).dedupKey).toBe(opened.dedupKey);
  });

  it('leaves other events to their own ids, and ignores payloads that are not objects', () => {
    expect(messageGrouping('member.added', { alertId: 'x', email: 'a@example.test' })).toEqual({});
    expect(messageGrouping('alert.snoozed', { alertId: null, hostId: 'h' })).toEqual({});
    expect(messageGrouping('alert.opened', null)).toEqual({});
    expect(messageGrouping('alert.opened', ['alertId'])).toEqual({});
  });
});
