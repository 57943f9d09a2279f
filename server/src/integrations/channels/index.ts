import type { ChannelConfigByType, ChannelType } from '@vigilo/shared/channels';
import { emailTransport } from './email.ts';
import { pagerdutyTransport } from './pagerduty.ts';
import { slackTransport } from './slack.ts';
import { teamsTransport } from './teams.ts';
import type { ChannelMessage, ChannelTransport, DeliveryResult, SendContext } from './types.ts';
import { webhookTransport } from './webhook.ts';

export * from './types.ts';

/**
 * The channel registry: channel type → transport. The switch is exhaustive, so a type added to
 * CHANNEL_TYPES in shared/ without a transport fails type checking here.
 */
export function transportFor<T extends ChannelType>(type: T): ChannelTransport<T>;
export function transportFor(type: ChannelType): ChannelTransport<ChannelType> {
  switch (type) {
    case 'webhook':
      return webhookTransport;
    case 'slack':
      return slackTransport;
    case 'teams':
      return teamsTransport;
    case 'pagerduty':
      return pagerdutyTransport;
    case 'email':
      return emailTransport;
    default: {
      const unknown: never = type;
      throw new Error(`No transport for channel type ${String(unknown)}`);
    }
  }
}

/**
 * One delivery attempt through the right transport — what the delivery worker calls with a
 * channel row's type and its config (validated, secrets opened).
 */
export function sendToChannel<T extends ChannelType>(
  type: T,
  config: ChannelConfigByType[T],
  message: ChannelMessage,
  ctx: SendContext,
): Promise<DeliveryResult> {
  return transportFor(type).send(config, message, ctx);
}
