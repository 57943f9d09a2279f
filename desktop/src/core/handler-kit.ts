import type { BridgeContext } from './bridge-handlers.ts';
import type { DesktopCore } from './desktop-core.ts';
import { SessionError } from './desktop-app.ts';

/**
 * What every table of bridge handlers needs: the open workspace's core (refused in words without
 * one) and a pull of the change log after a call that changed replicated rows, so the page that
 * made the call shows its result at once instead of at the next live event.
 */

/** The open workspace's core; calls that need one are refused in words without it. */
export function openCore(ctx: BridgeContext): DesktopCore {
  const core = ctx.app.core;
  if (!core) throw new SessionError('signed_out', 'sign in and open a workspace first');
  return core;
}

/** Pulls the change log once a call succeeded, then answers with the call's own result. */
export async function thenSync<T extends { ok: boolean }>(core: DesktopCore, result: T): Promise<T> {
  if (result.ok) await core.engine.syncNow();
  return result;
}
