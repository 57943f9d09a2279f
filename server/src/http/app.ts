import { randomUUID } from 'node:crypto';
import websocket from '@fastify/websocket';
import { type CreateFastifyContextOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { appRouter } from '../trpc/router.ts';
import type { AppRouter } from '../trpc/router-type.ts';
import { bearerFrom, createContext } from '../trpc/context.ts';
import type { Services } from '../services.ts';
import { registerAgentApi } from './agent-api.ts';
import { registerAuditExport } from './audit-export.ts';
import { drainOnClose } from './drain.ts';
import { logRequest } from '../observability/logger.ts';
import { answerError } from './error-answer.ts';
import { registerPagerdutyInbound } from './pagerduty-inbound.ts';
import { registerProbes } from './probes.ts';
import { registerPublicStatus } from './public-status.ts';
import { statusPage, statusText } from './status-page.ts';

/**
 * Builds the HTTP server: probes, metrics, the status page and the tRPC API over HTTP and
 * WebSocket at /trpc. Listening is left to the caller, so tests can use any port.
 */
export async function buildApp(services: Services): Promise<FastifyInstance> {
  // Widened on purpose: Fastify's instance type follows its logger's, and the rest of the code
  // speaks of the plain FastifyInstance.
  const logger: FastifyBaseLogger = services.log;
  const app = Fastify({
    loggerInstance: logger,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
    },
    // Fastify's two lines per request, all at info, are replaced by one (logRequest), at debug
    // for probes, scrapes and agents' polls, which would otherwise bury everything else.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 8 * 1024 * 1024,
  });

  app.setErrorHandler(answerError(services));
  // Before any route: close() then waits for every handler, so the pools can end right after it.
  const drain = drainOnClose(app);

  app.addHook('onResponse', async (req, reply) => {
    logRequest(services.log, {
      id: String(req.id),
      method: req.method,
      url: req.url,
      statusCode: reply.statusCode,
      elapsedMs: reply.elapsedTime,
    });
    const route = req.routeOptions.url ?? 'unmatched';
    services.metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    services.metrics.httpDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });

  registerProbes(app, services);
  // Scaled deployments split the roles: agents' pushes on ingest processes, people on api ones.
  if (services.config.roles.has('ingest')) registerAgentApi(app, services, drain);
  if (!services.config.roles.has('api')) return app;
  registerAuditExport(app, services);
  registerPublicStatus(app, services);
  registerPagerdutyInbound(app, services);
  const links = {
    version: services.version,
    issuer: services.config.identity.issuer,
    builtInProvider: services.config.identity.builtInProvider,
  };
  app.get('/', async (req, reply) =>
    // HTML for browsers; a client that asks for plain text first (curl -H, scripts) gets text.
    /^text\/plain/.test(req.headers.accept ?? '')
      ? reply.type('text/plain; charset=utf-8').send(statusText(links))
      : reply.type('text/html; charset=utf-8').send(statusPage(links)),
  );

  await app.register(websocket);
  await app.register(fastifyTRPCPlugin<AppRouter>, {
    prefix: '/trpc',
    useWSS: true,
    trpcOptions: {
      router: appRouter,
      // HTTP calls carry `Authorization: Bearer`; WebSocket clients send the token in their
      // connection params (browsers cannot set headers on a WebSocket).
      createContext: ({ req, info }: CreateFastifyContextOptions) =>
        createContext(
          services,
          typeof req.id === 'string' ? req.id : randomUUID(),
          bearerFrom(req.headers.authorization) ??
            (typeof info.connectionParams?.token === 'string' ? info.connectionParams.token : undefined),
          req.ip,
        ),
      // The caller reads only "internal error" and the request id (trpc/init.ts): the original,
      // with its cause and stack, is kept here under the same id.
      onError: ({ error, path, ctx }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR')
          services.log.error({ err: error, path, requestId: ctx?.requestId }, 'procedure failed');
      },
      keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 5_000 },
    },
  });
  return app;
}
