import type { FastifyInstance } from 'fastify';

/** What a route needs to know about the server stopping. */
export type Drain = {
  /** Aborted when close() begins: a handler that waits (the agents' long-poll) answers now. */
  closing: AbortSignal;
};

/**
 * Makes `app.close()` a drain, so the caller can end the database pools right after it: close()
 * resolves only once every route handler has returned, including those whose client went away
 * (their socket closes, so the server's own close does not wait for them, yet the handler may
 * still be about to query). Call before any route is registered. Requests arriving while closing
 * get Fastify's 503 (return503OnClosing); answers given while closing end their keep-alive
 * connection, which the server would otherwise hold open until its keep-alive timeout.
 */
export function drainOnClose(app: FastifyInstance): Drain {
  const closing = new AbortController();
  const running = new Set<Promise<unknown>>();
  app.addHook('onRoute', (route) => {
    const handler = route.handler;
    route.handler = function (this: FastifyInstance, ...args: Parameters<typeof handler>) {
      const result: unknown = handler.apply(this, args);
      // Synchronous handlers have nothing left to run; only promises are waited for.
      if (!(result instanceof Promise)) return result;
      const tracked = result.finally(() => running.delete(tracked));
      running.add(tracked);
      return tracked;
    };
  });
  app.addHook('preClose', (done) => {
    closing.abort();
    done();
  });
  app.addHook('onSend', async (_req, reply) => {
    if (closing.signal.aborted) void reply.header('connection', 'close');
  });
  app.addHook('onClose', async () => {
    // A handler's failure is answered (or logged) by Fastify where it happens; here only its end counts.
    while (running.size > 0) await Promise.allSettled([...running]);
  });
  return { closing: closing.signal };
}
