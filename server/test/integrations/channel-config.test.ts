import { describe, expect, it } from 'vitest';
import {
  CHANNEL_SECRET_FIELDS,
  CHANNEL_TYPES,
  channelDefinitionSchema,
  PAGERDUTY_DEFAULT_EVENTS_URL,
} from '@vigilo/shared/channels';
import { ChannelConfigError, parseChannelConfig } from '../../src/integrations/channels/types.ts';
import { generateWebhookSecret } from '../../src/integrations/webhook-signature.ts';

function issuesOf(fn: () => unknown): { field: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ChannelConfigError);
    return [...(err as ChannelConfigError).issues];
  }
  throw new Error('expected a ChannelConfigError');
}

describe('channel config validation', () => {
  it('accepts a valid config of each type and fills defaults', () => {
    expect(
      parseChannelConfig('webhook', { url: 'https://hooks.example.com/x', secret: generateWebhookSecret() })
        .url,
    ).toBe('https://hooks.example.com/x');
    expect(parseChannelConfig('slack', { url: 'https://hooks.slack.com/services/T/B/X' })).toBeTruthy();
    expect(
      parseChannelConfig('teams', { url: 'https://prod.westeurope.logic.azure.com/workflows/1' }),
    ).toBeTruthy();
    expect(
      parseChannelConfig('pagerduty', { routingKey: 'R0123456789abcdefABCDEF012345678' }).eventsUrl,
    ).toBe(PAGERDUTY_DEFAULT_EVENTS_URL);
    const email = parseChannelConfig('email', {
      host: 'smtp.example.com',
      port: 587,
      security: 'starttls',
      auth: { user: 'u', password: 'p' },
      from: 'alerts@example.com',
      to: ['a@example.com'],
    });
    expect(email.to).toEqual(['a@example.com']);
  });

  it('names the field for an invalid URL, secret or key', () => {
    expect(issuesOf(() => parseChannelConfig('slack', { url: 'ftp://example.com' }))).toEqual([
      { field: 'url', message: 'url must be an http:// or https:// URL' },
    ]);
    expect(issuesOf(() => parseChannelConfig('teams', { url: 'not a url' }))[0]!.field).toBe('url');
    expect(
      issuesOf(() => parseChannelConfig('webhook', { url: 'https://u:p@example.com', secret: 'x' })),
    ).toEqual([
      { field: 'url', message: 'url must not contain credentials' },
      { field: 'secret', message: 'secret must be a whsec_… signing secret (base64 of 24 to 64 bytes)' },
    ]);
    const pd = issuesOf(() => parseChannelConfig('pagerduty', { routingKey: 'short', eventsUrl: 'nope' }));
    expect(pd.map((i) => i.field)).toEqual(['routingKey', 'eventsUrl']);
  });

  it('names the field for bad email settings, including list items', () => {
    const issues = issuesOf(() =>
      parseChannelConfig('email', {
        host: '',
        port: 70000,
        security: 'ssl',
        auth: { user: 'u', password: '' },
        from: 'not-an-address',
        to: ['ok@example.com', 'bad'],
      }),
    );
    expect(issues.map((i) => i.field)).toEqual(['host', 'port', 'security', 'auth.password', 'from', 'to.1']);
    expect(issues.find((i) => i.field === 'to.1')!.message).toMatch(/^to must be an email address/);
    expect(issuesOf(() => parseChannelConfig('email', { to: [] })).map((i) => i.field)).toContain('to');
  });

  it('rejects unknown fields, so a typo does not silently drop a setting', () => {
    const issues = issuesOf(() =>
      parseChannelConfig('slack', { url: 'https://hooks.slack.com/x', chanel: '#ops' }),
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toMatch(/chanel/);
  });

  it('has a definition schema and a secret-field list for every type', () => {
    expect(channelDefinitionSchema.safeParse({ type: 'carrier-pigeon', config: {} }).success).toBe(false);
    expect(
      channelDefinitionSchema.safeParse({ type: 'slack', config: { url: 'https://x.example' } }).success,
    ).toBe(true);
    expect(Object.keys(CHANNEL_SECRET_FIELDS).sort()).toEqual([...CHANNEL_TYPES].sort());
  });
});
