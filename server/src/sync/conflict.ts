/**
 * Why the server refused a client mutation. A conflict is an expected outcome, not a bug: the
 * desktop rolls its optimistic change back and explains the reason in plain words.
 */
export const CONFLICT_REASONS = [
  /** The caller's role no longer allows this action (it may have changed while offline). */
  'forbidden',
  /** The target no longer exists. */
  'not_found',
  /** The target changed since the client last saw it (optimistic concurrency). */
  'stale',
  /** Someone or something already decided it (resolved, acknowledged by another, approved). */
  'already_decided',
  /** The arguments are invalid; `message` names the field. */
  'invalid',
  /** The kind is unknown to this server (an older server, a newer client). */
  'unknown_kind',
] as const;
export type ConflictReason = (typeof CONFLICT_REASONS)[number];

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
export type MutationResult =
  | { status: 'applied'; value: Record<string, unknown> }
  | { status: 'conflict'; reason: ConflictReason; message: string };
