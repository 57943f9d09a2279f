import { slackChannelConfigSchema, type SlackChannelConfig } from '@vigilo/shared/channels';
import { messageFacts, messageTitle, oneLine, truncate } from './format.ts';
import { postJson, urlSecrets } from './http.ts';
import type { ChannelMessage, ChannelTransport, DeliveryResult, SendContext } from './types.ts';

/**
 * Slack incoming webhook: `text` (the notification and fallback line) plus Block Kit `blocks`
 * (header, summary, facts, a link button). The URL is the credential, so it is kept out of every
 * detail and excerpt. Slack answers 200 "ok", or 4xx with an error word such as
 * `invalid_payload` / `channel_is_archived`, and 429 with Retry-After when rate limited.
 */

/** Slack mrkdwn treats &, < and > as control characters; everything else passes through. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const SEVERITY_EMOJI = { info: ':information_source:', warning: ':warning:', critical: ':rotating_light:' };

/** The JSON payload of one message. Limits: header 150 chars, section text 3000. */
export function slackPayload(message: ChannelMessage): Record<string, unknown> {
  const emoji = message.severity === undefined ? '' : `${SEVERITY_EMOJI[message.severity]} `;
  const summary = escapeSlack(oneLine(message.summary));
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(messageTitle(message), 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(`${emoji}${summary}`, 3000) } },
    {
      type: 'section',
      fields: messageFacts(message).map((f) => ({
        type: 'mrkdwn',
        text: truncate(`*${f.title}*\n${escapeSlack(f.value)}`, 2000),
      })),
    },
  ];
  if (message.link !== undefined) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Open in Vigilo' },
          url: message.link,
          action_id: 'vigilo_open',
        },
      ],
    });
  }
  return { text: truncate(`${emoji}${summary}`, 3000), blocks };
}

/** Posts one message. */
export async function sendSlack(
  config: SlackChannelConfig,
  message: ChannelMessage,
  ctx: SendContext,
): Promise<DeliveryResult> {
  return postJson({
    url: config.url,
    body: JSON.stringify(slackPayload(message)),
    headers: {},
    ctx,
    secrets: urlSecrets(config.url),
  });
}

export const slackTransport: ChannelTransport<'slack'> = {
  type: 'slack',
  schema: slackChannelConfigSchema,
  send: sendSlack,
};
