import { TRPCClientError } from '@trpc/client';
import { ZodError } from 'zod';
import type { FailureKind } from '../../bridge/contract.ts';

export type { FailureKind } from '../../bridge/contract.ts';

/** A failure's kind (see FailureKind in the bridge contract) and what happened, in plain words. */
export type CallFailure = { kind: FailureKind; message: string };

// The errno and undici codes of a connection that could not be made or was lost.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * True for the failures of a request that never got its answer. fetch reports every network
 * failure as `TypeError('fetch failed')` with the system error as its cause; the request
 * timeout (server-api.ts) aborts with a `TimeoutError`. Any other TypeError is a bug.
 */
export function isNetworkFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return true;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  if (err instanceof TypeError && err.message.startsWith('fetch failed')) return true;
  return err.cause !== undefined && isNetworkFailure(err.cause);
}

/** Sorts a thrown error into a {@link FailureKind}, with what happened in plain words. */
export function classifyFailure(err: unknown): CallFailure {
  if (err instanceof TRPCClientError) {
    const code = (err.data as { code?: string } | undefined)?.code;
    if (code === 'UNAUTHORIZED') return { kind: 'signed_out', message: 'your session ended: sign in again' };
    if (code === 'FORBIDDEN' || code === 'NOT_FOUND') return { kind: 'forbidden', message: err.message };
    if (code !== undefined) return { kind: 'server', message: `the server failed: ${err.message}` };
    // No tRPC answer: the request failed on the way, or something else answered in its place.
    if (isNetworkFailure(err.cause)) return { kind: 'offline', message: 'cannot reach the server' };
    const status = (err.meta as { response?: { status?: unknown } } | undefined)?.response?.status;
    // A gateway answering for a server that is away is an outage like a refused connection.
    if (status === 502 || status === 503 || status === 504)
      return { kind: 'offline', message: 'cannot reach the server' };
    if (typeof status === 'number')
      return { kind: 'server', message: `the server answered HTTP ${status} without a Vigilo answer` };
    return { kind: 'bug', message: describeBug(err.cause ?? err) };
  }
  if (isNetworkFailure(err)) return { kind: 'offline', message: 'cannot reach the server' };
  return { kind: 'bug', message: describeBug(err) };
}

/** A bug in a line: the error's own message (the log holds the stack and the causes). */
function describeBug(err: unknown): string {
  if (err instanceof ZodError) {
    const issue = err.issues[0];
    return `unexpected data: ${issue ? `${issue.path.join('.') || 'value'}: ${issue.message}` : err.message}`;
  }
  if (err instanceof Error) return `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}`;
  return String(err);
}
