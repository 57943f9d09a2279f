import type { ConflictReason, OutboxResult } from '@vigilo/shared/outbox';
import type { RefusalReason } from '../domain-errors.ts';

// The reasons are the shared outbox contract's: the desktop explains each one in plain words.
export { CONFLICT_REASONS, type ConflictReason } from '@vigilo/shared/outbox';

/**
 * A domain refusal (domain-errors.ts) as the outbox's conflict reason. The desktop's words cover
 * the contract's reasons only; a clash with an existing row reads as someone having taken it first.
 */
const AS_CONFLICT: Record<RefusalReason, ConflictReason> = {
  not_found: 'not_found',
  already_decided: 'already_decided',
  stale: 'stale',
  conflict: 'already_decided',
  invalid: 'invalid',
  forbidden: 'forbidden',
};

export function conflictReasonOf(reason: RefusalReason): ConflictReason {
  return AS_CONFLICT[reason];
}

/** What one client mutation came to. Stored as its receipt, returned again on every retry. */
export type MutationResult = OutboxResult;
