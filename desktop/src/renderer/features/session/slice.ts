import type { StateCreator } from 'zustand';
import type { SessionState } from '../../../bridge/contract.ts';
import { bridge } from '../../bridge/transport.ts';
import type { Store } from '../../store.ts';

/**
 * Who is signed in and which workspace is open, mirrored from the core's app. Signing in is a
 * bridge call: in Electron it runs the system-browser flow and returns once signed in; in a
 * browser tab it answers with the host's /auth/start, and the tab goes there and comes back.
 */
export type SessionSlice = {
  session: SessionState | undefined;
  setSession: (s: SessionState) => void;
  signIn: () => Promise<void>;
  signOut: () => Promise<void>;
  switchWorkspace: (workspace: string) => Promise<void>;
};

/** Set once the page tried signing in by itself, so signing out does not bounce straight back. */
const AUTO_SIGN_IN_KEY = 'vigilo-auto-sign-in';

export const createSessionSlice: StateCreator<Store, [], [], SessionSlice> = (set) => {
  const run = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      set({ error: undefined });
    } catch (err) {
      set({ error: (err as Error).message });
    }
  };
  return {
    session: undefined,
    setSession: (session) => set({ session }),
    signIn: () =>
      run(async () => {
        const { redirect } = await bridge.call('session.signIn', {});
        if (redirect) location.assign(redirect);
      }),
    signOut: () => run(() => bridge.call('session.signOut', {})),
    switchWorkspace: (workspace) => run(() => bridge.call('workspace.switch', { workspace })),
  };
};

/**
 * The first time this window finds nobody signed in, it starts signing in by itself: the URL
 * `npm start` prints then lands on the identity provider's page. Later (after signing out, or
 * after a failed attempt) the sign-in screen waits for a click.
 */
export function signInOnFirstLoad(session: SessionState, signIn: () => Promise<void>): void {
  if (session.signedIn || !session.canSwitch || sessionStorage.getItem(AUTO_SIGN_IN_KEY)) return;
  sessionStorage.setItem(AUTO_SIGN_IN_KEY, '1');
  void signIn();
}

/** True when the change means every slice must be read again (another user or workspace). */
export function sessionMoved(before: SessionState | undefined, after: SessionState): boolean {
  return before?.signedIn !== after.signedIn || before.current !== after.current;
}
