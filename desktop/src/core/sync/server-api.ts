import { createTRPCClient, createWSClient, httpLink, splitLink, TRPCClientError, wsLink } from '@trpc/client';
import type { AppRouter } from '@vigilo/server/router-type';
import superjson from 'superjson';
import WebSocket from 'ws';

export type ServerApi = ReturnType<typeof createTRPCClient<AppRouter>>;

export type ServerConnection = {
  api: ServerApi;
  close(): Promise<void>;
};

/**
 * The typed tRPC client to the Vigilo server: HTTP for queries and mutations, one WebSocket for
 * live events (the token rides in connection params: WebSockets carry no headers from browsers,
 * and the server reads it the same way for every client). `fetch` is injectable so tests can
 * cut the network the way an outage would, without touching the server.
 */
/** How long one API call may take before the pass counts the server as unreachable. */
const REQUEST_TIMEOUT_MS = 15_000;

export function connectServer(opts: {
  url: string;
  token: () => Promise<string | undefined>;
  fetch?: typeof globalThis.fetch;
}): ServerConnection {
  const ws = createWSClient({
    url: `${opts.url.replace(/^http/, 'ws')}/trpc`,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    lazy: { enabled: true, closeMs: 0 },
    connectionParams: async () => ({ token: (await opts.token()) ?? '' }),
    retryDelayMs: (attempt) => Math.min(500 * 2 ** attempt, 10_000),
  });
  const api = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: wsLink({ client: ws, transformer: superjson }),
        false: httpLink({
          url: `${opts.url}/trpc`,
          transformer: superjson,
          // Every call is bounded: a request stuck on a connection that died with the server
          // would otherwise hold the sync pass (and the "syncing" state) forever.
          fetch: (input: Parameters<typeof globalThis.fetch>[0], init?: RequestInit) => {
            const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
            const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
            return (opts.fetch ?? globalThis.fetch)(input, { ...init, signal });
          },
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

/** How a failed server call should be read by the sync engine. */
export type CallFailure =
  | { kind: 'offline'; message: string }
  | { kind: 'signed_out'; message: string }
  | { kind: 'forbidden'; message: string }
  | { kind: 'server'; message: string };

/** Sorts a thrown error into offline / signed out / forbidden / server error, in plain words. */
export function classifyFailure(err: unknown): CallFailure {
  if (err instanceof TRPCClientError) {
    const code = (err.data as { code?: string } | undefined)?.code;
    if (code === 'UNAUTHORIZED') return { kind: 'signed_out', message: 'your session ended: sign in again' };
    if (code === 'FORBIDDEN' || code === 'NOT_FOUND') return { kind: 'forbidden', message: err.message };
    if (code === undefined) return { kind: 'offline', message: 'cannot reach the server' };
    return { kind: 'server', message: `the server failed: ${err.message}` };
  }
  return { kind: 'offline', message: 'cannot reach the server' };
}
