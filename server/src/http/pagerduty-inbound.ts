import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  PAGERDUTY_SIGNATURE_HEADER,
  PAGERDUTY_WEBHOOK_MAX_BYTES,
  receivePagerdutyWebhook,
} from '../integrations/pagerduty-inbound.ts';
import type { Services } from '../services.ts';

/**
 * POST /integrations/pagerduty/:workspaceId/:channelId — a PagerDuty V3 webhook subscription's
 * deliveries (server/src/integrations/pagerduty-inbound.ts). No user signs in: the signature over
 * the raw body is the credential, and a failed one counts as a failed credential check of the
 * caller's address (the limit the API and the agent API share).
 *
 * PagerDuty retries a 5xx, a 429 and a timeout, and drops anything else: so everything signed and
 * well formed is answered 2xx, whether it changed an alert or not, a wrong signature 401, and a
 * signed body that is not a webhook payload 400 in words.
 */
const ids = z.object({
  workspaceId: z.uuid('workspaceId must be a workspace id'),
  channelId: z.uuid('channelId must be a channel id'),
});

export function registerPagerdutyInbound(app: FastifyInstance, services: Services): void {
  app.register((scope, _opts, done) => {
    // The signature is over the exact bytes sent: keep them, parse later (after the check).
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, next) => next(null, body));

    scope.addHook('onRequest', async (req, reply) => {
      const limit = await services.credentialFailures.peek(req.ip);
      if (limit.allowed) return;
      const seconds = Math.ceil(limit.retryAfterMs / 1000);
      return reply
        .code(429)
        .header('retry-after', String(seconds))
        .send({ error: `too many failed signature checks: try again in ${seconds} s` });
    });

    scope.post<{ Params: { workspaceId: string; channelId: string } }>(
      '/integrations/pagerduty/:workspaceId/:channelId',
      { bodyLimit: PAGERDUTY_WEBHOOK_MAX_BYTES },
      async (req, reply) => {
        const params = ids.safeParse(req.params);
        const signature = req.headers[PAGERDUTY_SIGNATURE_HEADER];
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const outcome = params.success
          ? await receivePagerdutyWebhook(services, {
              ...params.data,
              signature: typeof signature === 'string' ? signature : undefined,
              body,
              now: services.clock(),
              requestId: String(req.id),
            })
          : ({ kind: 'unauthorized' } as const);
        switch (outcome.kind) {
          case 'unauthorized':
            await services.credentialFailures.hit(req.ip);
            return reply.code(401).send({
              error:
                'X-PagerDuty-Signature does not match this channel: set the channel signingSecret to the subscription signing secret',
            });
          case 'malformed':
            return reply.code(400).send({ error: outcome.message });
          case 'ignored':
            return reply.code(202).send({ result: 'ignored', reason: outcome.reason });
          case 'unchanged':
            return reply
              .code(200)
              .send({ result: 'unchanged', alertId: outcome.alertId, reason: outcome.reason });
          case 'applied':
            return reply.code(200).send({ result: outcome.action, alertId: outcome.alertId });
          default: {
            const never: never = outcome;
            throw new Error(`unhandled outcome ${String(never)}`);
          }
        }
      },
    );
    done();
  });
}
