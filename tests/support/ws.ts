import { createTRPCClient, createWSClient, TRPCClientError, wsLink } from '@trpc/client';
import superjson from 'superjson';
import WebSocket from 'ws';
import type { BusEvent } from '../../server/src/events/bus.ts';
import type { AppRouter } from '@vigilo/server/router-type';

/**
 * A typed tRPC client over one real WebSocket, authenticated once by its connection params the
 * way the desktop is: every call it makes travels on the same connection (and context).
 */
export function wsApi(baseUrl: string, token: string) {
  const client = createWSClient({
    url: `${baseUrl.replace('http', 'ws')}/trpc`,
    WebSocket: WebSocket as never,
    connectionParams: { token },
  });
  return {
    api: createTRPCClient<AppRouter>({ links: [wsLink({ client, transformer: superjson })] }),
    close: () => client.close(),
  };
}

/** A live subscription's deliveries and, once it ended, the error code it ended with. */
export type LiveStream = {
  events: BusEvent[];
  /**
   * Resolves once the server says the subscription started. It registers the subscriber on its
   * event bus before it says so, so an event dispatched after this reaches the stream.
   */
  started: Promise<void>;
  /** Resolves with the tRPC error code the server ended the stream with. */
  ended: Promise<string>;
  stop(): void;
};

/** Subscribes to `events.live` and records what arrives, and how the stream ends. */
export function liveStream(api: ReturnType<typeof wsApi>['api'], workspace: string): LiveStream {
  const events: BusEvent[] = [];
  let stop = () => {};
  let onStarted = () => {};
  const started = new Promise<void>((resolve) => (onStarted = resolve));
  const ended = new Promise<string>((resolve) => {
    const sub = api.events.live.subscribe(
      { workspace, types: ['*'] },
      {
        onStarted: () => onStarted(),
        onData: (event) => events.push(event),
        onError: (err) =>
          resolve(
            err instanceof TRPCClientError
              ? String((err.data as { code?: string } | undefined)?.code ?? 'UNKNOWN')
              : 'UNKNOWN',
          ),
        onComplete: () => resolve('COMPLETE'),
      },
    );
    stop = () => sub.unsubscribe();
  });
  return { events, started, ended, stop: () => stop() };
}

/** The code `stream` ended with, failing plainly if it is still open after `ms`. */
export function endCode(stream: LiveStream, ms = 5000): Promise<string> {
  return Promise.race([
    stream.ended,
    new Promise<string>((_, reject) =>
      setTimeout(() => reject(new Error(`the stream was still open after ${ms} ms`)), ms).unref(),
    ),
  ]);
}

/** Waits until `check` holds, polling; fails with `what` after `ms`. */
export async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
