import { afterEach, describe, expect, it } from 'vitest';
import { sendToChannel, transportFor } from '../../src/integrations/channels/index.ts';
import { pagerdutyEventAction } from '../../src/integrations/channels/pagerduty.ts';
import { CHANNEL_TYPES } from '@vigilo/shared/channels';
import { ctx, message } from './fixtures.ts';
import { startReceiver, type Receiver } from './receiver.ts';

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});
const ROUTING_KEY = 'R0123456789abcdefABCDEF012345678';
const PD_ACCEPTED = {
  respond: 202,
  body: '{"status":"success","message":"Event processed","dedup_key":"k"}',
};

describe('channel registry', () => {
  it('has a transport for every channel type', () => {
    for (const type of CHANNEL_TYPES) expect(transportFor(type).type).toBe(type);
  });
});

describe('Slack transport (real HTTP receiver)', () => {
  it('posts text plus Block Kit blocks, escaping Slack control characters', async () => {
    receiver = await startReceiver({ respond: 200, body: 'ok' });
    const msg = message({
      summary: 'TLS 1.0 enabled on <db> & friends',
      link: 'https://vigilo.local/alerts/a-1',
    });
    const result = await sendToChannel('slack', { url: receiver.url }, msg, ctx());
    expect(result).toMatchObject({ ok: true, status: 200, responseSummary: 'HTTP 200 (2 bytes)' });

    type Block = { type: string; text?: { type: string }; fields?: { text: string }[]; elements?: unknown[] };
    const body = JSON.parse(receiver.requests[0]!.body) as { text: string; blocks: Block[] };
    expect(receiver.requests[0]!.headers['content-type']).toBe('application/json');
    expect(body.text).toBe(':rotating_light: TLS 1.0 enabled on &lt;db&gt; &amp; friends');
    const types = body.blocks.map((b) => b.type);
    expect(types).toEqual(['header', 'section', 'section', 'actions']);
    expect(body.blocks[0]!.text).toEqual({
      type: 'plain_text',
      text: 'Critical · alert.opened',
      emoji: true,
    });
    expect(body.blocks[1]!.text!.type).toBe('mrkdwn');
    expect(body.blocks[2]!.fields!.map((f) => f.text)).toContain('*Severity*\nCritical');
    expect(body.blocks[3]!.elements![0]).toMatchObject({
      type: 'button',
      url: 'https://vigilo.local/alerts/a-1',
    });
  });

  it('keeps the webhook URL (the credential) and the answer out of the failure report', async () => {
    receiver = await startReceiver({ respond: 404, body: `no_service for ${'/hooks/in'}` });
    const result = await sendToChannel('slack', { url: receiver.url }, message(), ctx());
    expect(result).toMatchObject({ ok: false, reason: 'http_status', status: 404, retryable: false });
    if (result.ok) throw new Error('unreachable');
    expect(result.responseSummary).toBe('HTTP 404 (24 bytes)');
    expect(JSON.stringify(result)).not.toContain('/hooks/in');
  });

  it('passes on Slack rate limiting with Retry-After', async () => {
    receiver = await startReceiver({ respond: 429, headers: { 'retry-after': '7' }, body: 'rate_limited' });
    const result = await sendToChannel('slack', { url: receiver.url }, message(), ctx());
    expect(result).toMatchObject({ ok: false, status: 429, retryable: true, retryAfterMs: 7_000 });
  });
});

describe('Microsoft Teams transport (real HTTP receiver)', () => {
  it('posts a message with one Adaptive Card attachment', async () => {
    receiver = await startReceiver({ respond: 202 });
    const msg = message({
      severity: 'warning',
      link: 'https://vigilo.local/alerts/a-1',
      source: 'api.example.com',
    });
    const result = await sendToChannel('teams', { url: receiver.url }, msg, ctx());
    expect(result).toMatchObject({ ok: true, status: 202 });

    const body = JSON.parse(receiver.requests[0]!.body);
    expect(body.type).toBe('message');
    expect(body.attachments).toHaveLength(1);
    const attachment = body.attachments[0];
    expect(attachment.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(attachment.contentUrl).toBeNull();
    const card = attachment.content;
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(card.$schema).toBe('http://adaptivecards.io/schemas/adaptive-card.json');
    expect(card.body[0]).toMatchObject({
      type: 'TextBlock',
      text: 'Warning · alert.opened',
      color: 'Warning',
    });
    expect(card.body[1]).toMatchObject({ type: 'TextBlock', text: msg.summary, wrap: true });
    expect(card.body[2].type).toBe('FactSet');
    expect(card.body[2].facts).toContainEqual({ title: 'Source', value: 'api.example.com' });
    expect(card.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Open in Vigilo', url: msg.link }]);
  });

  it('reports a Teams server error as retryable', async () => {
    receiver = await startReceiver({ respond: 502, body: 'bad gateway' });
    const result = await sendToChannel('teams', { url: receiver.url }, message(), ctx());
    expect(result).toMatchObject({
      ok: false,
      status: 502,
      retryable: true,
      responseSummary: 'HTTP 502 (11 bytes)',
    });
  });
});

describe('PagerDuty Events API v2 transport (real HTTP receiver)', () => {
  it('triggers with routing_key, dedup_key and a mapped payload', async () => {
    receiver = await startReceiver(PD_ACCEPTED);
    const msg = message({
      dedupKey: 'alert:a-1',
      source: 'api.example.com',
      link: 'https://vigilo.local/a/1',
    });
    const config = { routingKey: ROUTING_KEY, eventsUrl: receiver.url };
    const result = await sendToChannel('pagerduty', config, msg, ctx());
    expect(result).toMatchObject({ ok: true, status: 202 });

    expect(receiver.requests[0]!.path).toBe('/hooks/in');
    const event = JSON.parse(receiver.requests[0]!.body);
    expect(event).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: 'alert:a-1',
      client: 'Vigilo',
      client_url: 'https://vigilo.local/a/1',
      payload: {
        summary: msg.summary,
        source: 'api.example.com',
        severity: 'critical',
        timestamp: '2026-03-01T11:59:30.000Z',
        class: 'alert.opened',
        custom_details: { eventId: msg.id, workspaceId: msg.workspaceId, data: msg.payload },
      },
    });
  });

  it('maps severities and defaults a missing one to info', async () => {
    receiver = await startReceiver(PD_ACCEPTED);
    const config = { routingKey: ROUTING_KEY, eventsUrl: receiver.url };
    for (const severity of ['info', 'warning', 'critical'] as const) {
      await sendToChannel('pagerduty', config, message({ severity }), ctx());
    }
    await sendToChannel(
      'pagerduty',
      config,
      message({ severity: undefined, type: 'change.approved' }),
      ctx(),
    );
    const severities = receiver.requests.map(
      (r) => (JSON.parse(r.body) as { payload: { severity: string } }).payload.severity,
    );
    expect(severities).toEqual(['info', 'warning', 'critical', 'info']);
  });

  it('resolves with the same dedup_key and no payload', async () => {
    receiver = await startReceiver(PD_ACCEPTED);
    const config = { routingKey: ROUTING_KEY, eventsUrl: receiver.url };
    const result = await sendToChannel(
      'pagerduty',
      config,
      message({ type: 'alert.resolved', dedupKey: 'alert:a-1' }),
      ctx(),
    );
    expect(result.ok).toBe(true);
    const event = JSON.parse(receiver.requests[0]!.body);
    expect(event).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'resolve',
      dedup_key: 'alert:a-1',
      client: 'Vigilo',
    });
    expect(pagerdutyEventAction('alert.acknowledged')).toBe('acknowledge');
    expect(pagerdutyEventAction('alert.opened')).toBe('trigger');
  });

  it('never pages for a comment or a snooze: recorded as delivered, nothing sent', async () => {
    receiver = await startReceiver(PD_ACCEPTED);
    const config = { routingKey: ROUTING_KEY, eventsUrl: receiver.url };
    for (const type of ['alert.commented', 'alert.snoozed']) {
      const result = await sendToChannel(
        'pagerduty',
        config,
        message({ type, dedupKey: 'alert:a-1' }),
        ctx(),
      );
      expect(result).toMatchObject({ ok: true, responseSummary: expect.stringContaining('does not page') });
    }
    expect(receiver.requests).toHaveLength(0);
  });

  it('treats 400 as final, 429 as retryable, and a 2xx that is not the Events API as invalid', async () => {
    receiver = await startReceiver(
      {
        respond: 400,
        body: `{"status":"invalid event","message":"Event object is invalid","errors":["${ROUTING_KEY}"]}`,
      },
      { respond: 429, body: '{"status":"throttle event"}' },
      { respond: 200, body: '<html>captive portal</html>' },
    );
    const config = { routingKey: ROUTING_KEY, eventsUrl: receiver.url };
    const invalid = await sendToChannel('pagerduty', config, message(), ctx());
    expect(invalid).toMatchObject({ ok: false, status: 400, retryable: false });
    // An echoed routing key stays out of the delivery log.
    expect(JSON.stringify(invalid)).not.toContain(ROUTING_KEY);
    expect(await sendToChannel('pagerduty', config, message(), ctx())).toMatchObject({
      ok: false,
      status: 429,
      retryable: true,
    });
    const portal = await sendToChannel('pagerduty', config, message(), ctx());
    expect(portal).toMatchObject({ ok: false, reason: 'invalid_response', status: 200, retryable: false });
  });
});
