import type { WorkspaceRole } from '@vigilo/shared/roles';
import { authorize } from './authorize.ts';
import type { Context } from './context.ts';

/**
 * How long a live stream delivers on one check of its subscriber's access before checking again
 * (by the server's clock): the bound on how late a stream notices what no event announces (an
 * expired access token or API token, a disabled account, an ended time-boxed grant).
 */
export const LIVE_RECHECK_MS = 5_000;

/** How often an idle stream checks anyway (real time), so one whose access ended is closed. */
export const LIVE_IDLE_CHECK_MS = 30_000;

/**
 * Events after which any subscriber's access may differ (a member removed or demoted, which also
 * lowers their tokens; a token revoked): the next delivery waits for a fresh check, so nothing
 * that follows such an event in the stream reaches someone who lost access with it.
 */
const ACCESS_EVENTS: ReadonlySet<string> = new Set([
  'member.role_changed',
  'member.removed',
  'api_token.revoked',
]);

/** A subscription's view of its subscriber's access, kept current while it streams. */
export type LiveAccess = {
  /** Aborts when the subscriber leaves or their access ends: pass it to the bus. */
  readonly signal: AbortSignal;
  /** The subscriber's current role, re-checked when due; rejects once access has ended. */
  roleFor(eventType: string): Promise<WorkspaceRole>;
  /** Throws why access ended, if it did (after the bus iteration stopped on `signal`). */
  throwIfEnded(): void;
  close(): void;
};

/**
 * Watches the access of a live subscriber to one workspace: the same check as every other
 * operation (authorize with `read`: credential, membership, current role), run again after an
 * access event, when the last check is older than LIVE_RECHECK_MS, and every LIVE_IDLE_CHECK_MS.
 * A failed check ends the stream with its error (UNAUTHORIZED, NOT_FOUND or FORBIDDEN).
 */
export function watchAccess(
  ctx: Context,
  workspace: { id: string; role: WorkspaceRole },
  outer: AbortSignal | undefined,
): LiveAccess {
  const stop = new AbortController();
  const onOuterAbort = () => stop.abort();
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  const now = () => ctx.services.clock().getTime();
  let role = workspace.role;
  let checkedAt = now();
  let ended: Error | undefined;
  let running: Promise<WorkspaceRole> | undefined;

  const check = (): Promise<WorkspaceRole> =>
    (running ??= authorize(ctx, 'read', { workspace: workspace.id })
      .then((authorized) => {
        if (!authorized.workspace) throw new Error('a workspace check returned no workspace');
        role = authorized.workspace.role;
        checkedAt = now();
        return role;
      })
      .catch((err: unknown) => {
        ended ??= err instanceof Error ? err : new Error(String(err));
        stop.abort();
        throw err;
      })
      .finally(() => {
        running = undefined;
      }));

  // The rejection is kept in `ended` and surfaces through throwIfEnded once the bus stops.
  const timer = setInterval(() => check().catch(() => undefined), LIVE_IDLE_CHECK_MS);
  timer.unref();

  return {
    signal: stop.signal,
    roleFor: (eventType) =>
      ACCESS_EVENTS.has(eventType) || now() - checkedAt >= LIVE_RECHECK_MS ? check() : Promise.resolve(role),
    throwIfEnded: () => {
      if (ended) throw ended;
    },
    close: () => {
      clearInterval(timer);
      outer?.removeEventListener('abort', onOuterAbort);
      stop.abort();
    },
  };
}
