import { TRPCError, type TRPC_ERROR_CODE_KEY } from '@trpc/server';
import type { ActionRefused, RefusalReason } from '../domain-errors.ts';

/** Fields refused by a check other than the input schema; formatted like a zod failure (init.ts). */
export class FieldRefusal extends Error {
  constructor(readonly issues: Array<{ path: PropertyKey[]; message: string }>) {
    super(issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; '));
    this.name = 'FieldRefusal';
  }
}

/**
 * A BAD_REQUEST about one field, shaped like a zod failure so the client finds it in
 * `data.fieldErrors` under `path`, as for any other invalid input.
 */
export function fieldError(
  path: ReadonlyArray<string | number>,
  message: string,
  fieldMessage = message,
): TRPCError {
  return new TRPCError({
    code: 'BAD_REQUEST',
    message,
    cause: new FieldRefusal([{ path: [...path], message: fieldMessage }]),
  });
}

const CODES: Record<RefusalReason, TRPC_ERROR_CODE_KEY> = {
  not_found: 'NOT_FOUND',
  already_decided: 'CONFLICT',
  stale: 'CONFLICT',
  conflict: 'CONFLICT',
  invalid: 'BAD_REQUEST',
  forbidden: 'FORBIDDEN',
};

/** A domain action's expected refusal, as the tRPC error a client expects (see init.ts). */
export function refusalAsError(err: ActionRefused): TRPCError {
  if (err.issue) return fieldError(err.issue.path, err.message, err.issue.message);
  return new TRPCError({ code: CODES[err.reason], message: err.message, cause: err });
}
