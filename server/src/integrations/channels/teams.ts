import { teamsChannelConfigSchema, type TeamsChannelConfig } from '@vigilo/shared/channels';
import { messageFacts, messageTitle, oneLine, truncate } from './format.ts';
import { postJson, urlSecrets } from './http.ts';
import type { ChannelMessage, ChannelTransport, DeliveryResult, SendContext } from './types.ts';

/**
 * Microsoft Teams: a `message` with one Adaptive Card attachment — the form both the Workflows
 * "When a Teams webhook request is received" trigger (which answers 202) and the older incoming
 * webhooks accept. Card version 1.4, the newest every Teams client renders. The URL carries its
 * signature, so it is kept out of every detail and excerpt.
 */

const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/** Adaptive Card colours for the title line. */
const SEVERITY_COLOR = { info: 'Accent', warning: 'Warning', critical: 'Attention' } as const;

/** The JSON payload of one message. */
export function teamsPayload(message: ChannelMessage): Record<string, unknown> {
  const card: Record<string, unknown> = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    msteams: { width: 'Full' },
    body: [
      {
        type: 'TextBlock',
        text: truncate(messageTitle(message), 200),
        weight: 'Bolder',
        size: 'Medium',
        wrap: true,
        ...(message.severity === undefined ? {} : { color: SEVERITY_COLOR[message.severity] }),
      },
      { type: 'TextBlock', text: truncate(oneLine(message.summary), 3000), wrap: true },
      { type: 'FactSet', facts: messageFacts(message) },
    ],
    ...(message.link === undefined
      ? {}
      : { actions: [{ type: 'Action.OpenUrl', title: 'Open in Vigilo', url: message.link }] }),
  };
  return {
    type: 'message',
    // Older clients show this in notifications where a card cannot be rendered.
    summary: truncate(oneLine(message.summary), 200),
    attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, contentUrl: null, content: card }],
  };
}

/** Posts one message. */
export async function sendTeams(
  config: TeamsChannelConfig,
  message: ChannelMessage,
  ctx: SendContext,
): Promise<DeliveryResult> {
  return postJson({
    url: config.url,
    body: JSON.stringify(teamsPayload(message)),
    headers: {},
    ctx,
    secrets: urlSecrets(config.url),
  });
}

export const teamsTransport: ChannelTransport<'teams'> = {
  type: 'teams',
  schema: teamsChannelConfigSchema,
  send: sendTeams,
};
