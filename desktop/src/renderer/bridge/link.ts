import { create } from 'zustand';

/**
 * Whether this page reaches the running desktop. A tab kept open across a restart of the desktop
 * host holds the old run's key: the host refuses it, and every read fails. The page must then
 * say "not connected" and how to fix it, never guess from the missing data (an unknown role is
 * not a role that "can read, not act").
 */
export type BridgeLink = {
  /** True once the host refused this page's key (until a new key is given). */
  refused: boolean;
  /**
   * How often the event socket came back after it was lost (a restarted desktop that kept its
   * key): what the page shows was read from the run before, so it reads everything again.
   */
  reconnects: number;
};

export const useBridgeLink = create<BridgeLink>()(() => ({ refused: false, reconnects: 0 }));

/** What a person reads when the key was refused: what happened and what to do. */
export const KEY_REFUSED_MESSAGE =
  'This page is not connected to the running Vigilo desktop (it was restarted and has a new key): open the address it printed, or paste it into this tab.';
