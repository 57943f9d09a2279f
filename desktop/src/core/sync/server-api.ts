import { createTRPCClient, createWSClient, httpLink, splitLink, wsLink } from '@trpc/client';
import type { AppRouter } from '@vigilo/server/router-type';
import { type BackoffCurve, backoffDelay } from '@vigilo/shared/backoff';
import superjson from 'superjson';
import WebSocket from 'ws';
import type { TokenGetter } from '../session/oidc.ts';

export type ServerApi = ReturnType<typeof createTRPCClient<AppRouter>>;

export type ServerConnection = {
  api: ServerApi;
  close(): Promise<void>;
};

/** How long one API call may take before the pass counts the server as unreachable. */
const REQUEST_TIMEOUT_MS = 15_000;

/** The live socket's reconnects: the shared backoff, so desktops a restart cut off spread out. */
const RECONNECT_BACKOFF: BackoffCurve = { baseMs: 500, capMs: 10_000, jitter: 'full' };

/**
 * The typed tRPC client to the Vigilo server: HTTP for queries and mutations, one WebSocket for
 * live events (the token rides in connection params: WebSockets carry no headers from browsers,
 * and the server reads it the same way for every client). `fetch` is injectable so tests can
 * cut the network the way an outage would, without touching the server.
 */
export function connectServer(opts: {
  url: string;
  /** The access token; called with `rejected` after a 401 to get a refreshed one (see TokenGetter). */
  token: TokenGetter;
  fetch?: typeof globalThis.fetch;
}): ServerConnection {
  const ws = createWSClient({
    url: `${opts.url.replace(/^http/, 'ws')}/trpc`,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    lazy: { enabled: true, closeMs: 0 },
    connectionParams: async () => ({ token: (await opts.token()) ?? '' }),
    // tRPC counts attempts from 0; the backoff counts failures from 1.
    retryDelayMs: (attempt) => backoffDelay(RECONNECT_BACKOFF, attempt + 1),
  });
  // Every call is bounded: a request stuck on a connection that died with the server would
  // otherwise hold the sync pass (and the "syncing" state) forever.
  const send = (input: Parameters<typeof globalThis.fetch>[0], init?: RequestInit) => {
    const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return (opts.fetch ?? globalThis.fetch)(input, { ...init, signal });
  };
  const api = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: wsLink({ client: ws, transformer: superjson }),
        false: httpLink({
          url: `${opts.url}/trpc`,
          transformer: superjson,
          fetch: (input: Parameters<typeof globalThis.fetch>[0], init?: RequestInit) =>
            retryOnceWhenRefused(send, opts.token, input, init),
          headers: async () => {
            const token = await opts.token();
            return token ? { authorization: `Bearer ${token}` } : {};
          },
        }),
      }),
    ],
  });
  return { api, close: () => ws.close() };
}

/**
 * A 401 may only mean the access token expired early (a clock skew, a provider that shortened
 * lifetimes, a laptop that slept): force one refresh and send the call again with the new token.
 * Only a second refusal reaches the engine, which then reports the session as ended. Bodies are
 * strings here (tRPC's JSON), so the request can be replayed as is.
 */
async function retryOnceWhenRefused(
  send: (input: Parameters<typeof globalThis.fetch>[0], init?: RequestInit) => Promise<Response>,
  token: TokenGetter,
  input: Parameters<typeof globalThis.fetch>[0],
  init: RequestInit | undefined,
): Promise<Response> {
  const res = await send(input, init);
  if (res.status !== 401) return res;
  const headers = new Headers(init?.headers);
  const sent = headers.get('authorization')?.replace(/^Bearer /, '');
  if (!sent) return res;
  const next = await token({ rejected: sent });
  if (!next || next === sent) return res;
  await res.body?.cancel();
  headers.set('authorization', `Bearer ${next}`);
  return send(input, { ...init, headers });
}
