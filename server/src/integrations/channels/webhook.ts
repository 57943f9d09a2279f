import { webhookChannelConfigSchema, type WebhookChannelConfig } from '@vigilo/shared/channels';
import {
  sign,
  WEBHOOK_ID_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
} from '../webhook-signature.ts';
import { postJson } from './http.ts';
import type { ChannelMessage, ChannelTransport, DeliveryResult, SendContext } from './types.ts';

/**
 * Generic webhook: the event as JSON, signed the Standard Webhooks way. `webhook-id` is the
 * delivery id, the same on every retry, so receivers deduplicate on it; `webhook-timestamp` is
 * this attempt's time, so a captured request cannot be replayed past the receiver's tolerance.
 */

/**
 * The JSON body: the specification's recommended `type` / `timestamp` / `data` envelope, plus our
 * ids and the human summary. Field order is fixed so identical events serialise identically.
 */
export function webhookBody(message: ChannelMessage): string {
  return JSON.stringify({
    type: message.type,
    timestamp: message.occurredAt.toISOString(),
    id: message.id,
    workspaceId: message.workspaceId,
    summary: message.summary,
    ...(message.severity === undefined ? {} : { severity: message.severity }),
    ...(message.link === undefined ? {} : { link: message.link }),
    data: message.payload,
  });
}

/** Sends one signed delivery attempt. */
export async function sendWebhook(
  config: WebhookChannelConfig,
  message: ChannelMessage,
  ctx: SendContext,
): Promise<DeliveryResult> {
  const body = webhookBody(message);
  const timestamp = Math.floor(ctx.now().getTime() / 1000);
  const signature = sign({ id: ctx.deliveryId, timestamp, body, secret: config.secret });
  return postJson({
    url: config.url,
    body,
    headers: {
      [WEBHOOK_ID_HEADER]: ctx.deliveryId,
      [WEBHOOK_TIMESTAMP_HEADER]: String(timestamp),
      [WEBHOOK_SIGNATURE_HEADER]: signature,
    },
    ctx,
    secrets: [config.secret],
  });
}

export const webhookTransport: ChannelTransport<'webhook'> = {
  type: 'webhook',
  schema: webhookChannelConfigSchema,
  send: sendWebhook,
};
