/**
 * The expected refusals of the server's domain actions, in one place: the target is gone, someone
 * already decided, it changed since the caller saw it, it clashes with another, an argument is
 * wrong, or the caller may not. Domain code (monitoring/, workspaces/, integrations/, sync kinds…)
 * throws only these for a refusal; each door words them its own way: the tRPC layer as error
 * codes (trpc/refusals.ts), sync.push as the outbox's conflict reasons (sync/apply.ts). Anything
 * else thrown is a bug.
 */

export const REFUSAL_REASONS = [
  /** The target does not exist (or is another workspace's, which looks the same). */
  'not_found',
  /** Someone or something already decided it (resolved, acknowledged by another, approved). */
  'already_decided',
  /** The target changed since the caller last saw it (optimistic concurrency). */
  'stale',
  /** It clashes with something that exists (a taken name, an existing membership). */
  'conflict',
  /** An argument is wrong; `field` names it when one field is at fault. */
  'invalid',
  /** The caller's role or kind of credential does not allow it. */
  'forbidden',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** The input field at fault and what is wrong with it (without the field's name in front). */
export type FieldIssue = { path: ReadonlyArray<string | number>; message: string };

/** A domain action's expected refusal. `message` is for the caller, in words, naming the field. */
export class ActionRefused extends Error {
  readonly reason: RefusalReason;
  /** For `invalid`: the one field at fault, which the tRPC layer reports in `data.fieldErrors`. */
  readonly issue: FieldIssue | undefined;
  constructor(reason: RefusalReason, message: string, options?: ErrorOptions & { issue?: FieldIssue }) {
    super(message, options);
    this.name = 'ActionRefused';
    this.reason = reason;
    this.issue = options?.issue;
  }
}

/** An argument refused, named the way a schema failure names it: the message reads `path: message`. */
export function invalidField(path: ReadonlyArray<string | number>, message: string): ActionRefused {
  return new ActionRefused('invalid', `${path.join('.')}: ${message}`, { issue: { path, message } });
}
