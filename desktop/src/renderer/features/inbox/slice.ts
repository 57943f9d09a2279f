import type { StateCreator } from 'zustand';
import type { AlertDetail } from '../../../bridge/contract.ts';
import { bridge } from '../../bridge/transport.ts';
import type { Store } from '../../store.ts';

/** The replica tables the open alert's detail is read from: a change to any re-reads it. */
export const ALERT_DETAIL_TABLES = ['alerts', 'comments', 'hosts', 'alert_rules', 'escalation_pages'];

/** What the keyboard is doing in the inbox: moving, choosing a snooze, or writing a comment. */
export type InboxMode = 'move' | 'snooze' | 'comment';

/**
 * The inbox's open alert (its timeline) and keyboard mode. The detail mirrors the replica: it is
 * re-read whenever the core says alerts or comments changed.
 */
export type InboxDetailSlice = {
  alertDetail: AlertDetail | undefined;
  inboxMode: InboxMode;
  setInboxMode: (mode: InboxMode) => void;
  openAlert: (alertId: string) => Promise<void>;
  closeAlert: () => void;
  reloadAlert: () => Promise<void>;
};

export const createInboxDetailSlice: StateCreator<Store, [], [], InboxDetailSlice> = (set, get) => ({
  alertDetail: undefined,
  inboxMode: 'move',
  setInboxMode: (inboxMode) => set({ inboxMode }),
  openAlert: async (alertId) => {
    const detail = await bridge.call('alerts.detail', { alertId });
    set({ alertDetail: detail ?? undefined });
  },
  closeAlert: () => set({ alertDetail: undefined, inboxMode: 'move' }),
  reloadAlert: async () => {
    const open = get().alertDetail;
    if (!open) return;
    const detail = await bridge.call('alerts.detail', { alertId: open.id });
    // Another alert may have been opened while this read was in flight.
    if (get().alertDetail?.id === open.id) set({ alertDetail: detail ?? undefined });
  },
});
