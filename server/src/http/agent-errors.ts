import type { ApiError, ApiErrorCode } from '@vigilo/shared/agent-protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { AgentBodyError } from './agent-body.ts';

/** Answers with the ApiError body every non-2xx answer of the agent API carries. */
export function sendError(
  reply: FastifyReply,
  status: number,
  code: ApiErrorCode,
  message: string,
  issues: ApiError['error']['issues'] = [],
) {
  return reply.code(status).send({ error: { code, message, issues } } satisfies ApiError);
}

/** A zod error as ApiError issues: dotted paths, at most 20. */
export function zodIssues(error: z.ZodError): ApiError['error']['issues'] {
  return error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.'), message: i.message }));
}

/**
 * The agent API's error handler: every answer is a typed ApiError (shared/src/agent-protocol.ts),
 * in words, without internals. Fastify's refusals of a request keep their meaning (413, 415, 400);
 * anything else is our failure, logged in full and answered 500.
 */
export function agentErrorAnswer(log: Logger) {
  return (err: Error & { statusCode?: number }, _req: FastifyRequest, reply: FastifyReply) => {
    // A body refused before it was read, or read only in part: the connection is closed after
    // the answer rather than drained for the next request.
    if (err instanceof AgentBodyError)
      return sendError(reply.header('connection', 'close'), err.statusCode, err.code, err.message);
    // Fastify's own refusals of the request (not of our code): typed, in words, no internals.
    const status = err.statusCode ?? 500;
    if (status === 413)
      return sendError(
        reply.header('connection', 'close'),
        413,
        'batch_too_large',
        'the body is too large: send fewer snapshots per batch',
      );
    if (status === 415)
      return sendError(
        reply,
        415,
        'unsupported_media_type',
        'the body must be JSON, sent as content-type: application/json',
      );
    if (status >= 400 && status < 500)
      return sendError(
        reply,
        400,
        'invalid_request',
        err.name === 'SyntaxError' ? 'the body is not valid JSON' : 'the request body could not be read',
      );
    log.error({ err }, 'agent API failed');
    return sendError(reply, 500, 'internal', 'internal error; the agent keeps the batch and retries');
  };
}
