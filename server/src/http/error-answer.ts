import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../services.ts';
import { internalErrorMessage } from '../trpc/init.ts';

/**
 * The HTTP server's answer to an error no route handled. A client error Fastify raised itself (a
 * malformed body, a wrong content type, a body too large) keeps its status and its message, which
 * is about the request; anything else is our failure: it is logged in full with the request id and
 * answered with words and that id, never with its message (it may be a raw database error) or
 * its stack. Scopes with their own handler (the agent API) keep theirs.
 */
export function answerError(services: Pick<Services, 'log'>) {
  return (err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status >= 400 && status < 500) {
      return reply.code(status).send({ error: err.message });
    }
    services.log.error({ err, requestId: req.id, url: req.url }, 'request failed');
    return reply.code(500).send({ error: internalErrorMessage(String(req.id)) });
  };
}
