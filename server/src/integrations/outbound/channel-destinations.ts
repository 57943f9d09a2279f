import type { ChannelConfigByType, ChannelType } from '@vigilo/shared/channels';
import { checkHost } from './guard.ts';
import type { OutboundPolicy } from './policy.ts';

/**
 * Where each kind of channel connects, by config field — so configuration-time checks cover
 * every kind. The switch is exhaustive: a channel type added to CHANNEL_TYPES fails type
 * checking here until it says where it connects.
 */

/** One destination of a channel: the config field it comes from and the host it names. */
export type ChannelDestination = { field: string; host: string };

function urlHost(field: string, url: string): ChannelDestination[] {
  return URL.canParse(url) ? [{ field, host: new URL(url).hostname }] : [];
}

/** The hosts a channel's validated config makes the server connect to. */
export function channelDestinations<T extends ChannelType>(
  type: T,
  config: ChannelConfigByType[T],
): ChannelDestination[];
export function channelDestinations(
  type: ChannelType,
  config: ChannelConfigByType[ChannelType],
): ChannelDestination[] {
  switch (type) {
    case 'webhook':
    case 'slack':
    case 'teams':
      return urlHost('url', (config as ChannelConfigByType['webhook']).url);
    case 'pagerduty':
      return urlHost('eventsUrl', (config as ChannelConfigByType['pagerduty']).eventsUrl);
    case 'email':
      return [{ field: 'host', host: (config as ChannelConfigByType['email']).host }];
    default: {
      const unknown: never = type;
      throw new Error(`No destinations for channel type ${String(unknown)}`);
    }
  }
}

/** A destination the policy refuses, naming its field. */
export type RefusedDestination = { field: string; message: string };

/**
 * Checks every destination of a config now (literal addresses, and names as they resolve now).
 * The first refused one, or undefined. Deliveries check again when they connect.
 */
export async function refusedChannelDestination<T extends ChannelType>(
  policy: OutboundPolicy,
  type: T,
  config: ChannelConfigByType[T],
): Promise<RefusedDestination | undefined> {
  for (const destination of channelDestinations(type, config)) {
    const refused = await checkHost(policy, destination.host);
    if (refused) return { field: destination.field, message: refused.message };
  }
  return undefined;
}
