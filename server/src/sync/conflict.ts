import type { ConflictReason, OutboxResult } from '@vigilo/shared/outbox';

// The reasons are the shared outbox contract's: the desktop explains each one in plain words.
export { CONFLICT_REASONS, type ConflictReason } from '@vigilo/shared/outbox';

/** Thrown by a mutation handler to refuse; everything the handler wrote is rolled back. */
export class MutationConflict extends Error {
  readonly reason: ConflictReason;
  constructor(reason: ConflictReason, message: string) {
    super(message);
    this.name = 'MutationConflict';
    this.reason = reason;
  }
}

/** What one client mutation came to. Stored as its receipt, returned again on every retry. */
export type MutationResult = OutboxResult;
