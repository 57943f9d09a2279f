import { TRPCError } from '@trpc/server';
import type { ActionRefused } from '../monitoring/action-refused.ts';

/** A domain action's expected refusal, as the tRPC error a client expects (see init.ts). */
export function refusalAsError(err: ActionRefused): TRPCError {
  const code =
    err.reason === 'not_found' ? 'NOT_FOUND' : err.reason === 'invalid' ? 'BAD_REQUEST' : 'CONFLICT';
  return new TRPCError({ code, message: err.message, cause: err });
}
