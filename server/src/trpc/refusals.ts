import { TRPCError } from '@trpc/server';
import { ActionRefused } from '../monitoring/action-refused.ts';

/** Runs a domain action for a procedure: its expected refusal becomes the tRPC error a client expects. */
export async function refusalsAsErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof ActionRefused)) throw err;
    const code =
      err.reason === 'not_found' ? 'NOT_FOUND' : err.reason === 'invalid' ? 'BAD_REQUEST' : 'CONFLICT';
    throw new TRPCError({ code, message: err.message, cause: err });
  }
}
