import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import superjson from 'superjson';
import type { AppRouter } from '@vigilo/server/router-type';

/** A typed tRPC client over real HTTP, authenticated with a bearer token when given. */
export function apiClient(baseUrl: string, token?: string) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${baseUrl}/trpc`,
        transformer: superjson,
        headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
      }),
    ],
  });
}

/** The tRPC error code of a failed call (e.g. FORBIDDEN), or 'OK' when it succeeded. */
export async function outcome(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return 'OK';
  } catch (err) {
    if (err instanceof TRPCClientError)
      return String((err.data as { code?: string } | undefined)?.code ?? 'UNKNOWN');
    throw err;
  }
}
