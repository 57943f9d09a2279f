import { create } from 'zustand';
import type { Action, AuditEntry, AuditQuery, ChainCheck, InboxItem, SyncState } from '../bridge/contract.ts';
import { bridge } from './bridge/transport.ts';
import {
  type CertificatesSlice,
  createCertificatesSlice,
  HOST_TABLES,
} from './features/certificates/slice.ts';
import {
  ALERT_DETAIL_TABLES,
  createInboxDetailSlice,
  type InboxDetailSlice,
} from './features/inbox/slice.ts';
import {
  createSessionSlice,
  type SessionSlice,
  sessionMoved,
  signInOnFirstLoad,
} from './features/session/slice.ts';
import { openTarget } from './features/shell/deep-link.ts';

/**
 * One store of feature slices. It mirrors the replica (through the bridge); it is never a second
 * source of truth: every slice is re-read from the core when the core says its tables changed.
 */
type SyncSlice = { sync: SyncState | undefined; setSync: (s: SyncState) => void };
type InboxSlice = {
  inbox: InboxItem[];
  selected: number;
  loadInbox: () => Promise<void>;
  move: (delta: number) => void;
  act: (action: Action) => Promise<void>;
};
type AuditSlice = {
  audit: AuditEntry[];
  auditQuery: AuditQuery;
  chain: ChainCheck | undefined;
  searchAudit: (q: AuditQuery) => Promise<void>;
  verifyChain: () => Promise<void>;
};
type UiSlice = {
  page: Page;
  go: (p: Page) => void;
  error: string | undefined;
  setError: (e: string | undefined) => void;
};

export type Page = 'inbox' | 'approvals' | 'certificates' | 'incidents' | 'changes' | 'audit' | 'settings';
export type Store = SyncSlice &
  InboxSlice &
  AuditSlice &
  UiSlice &
  CertificatesSlice &
  SessionSlice &
  InboxDetailSlice;

export const useStore = create<Store>()((set, get, api) => ({
  ...createCertificatesSlice(set, get, api),
  ...createSessionSlice(set, get, api),
  ...createInboxDetailSlice(set, get, api),

  sync: undefined,
  // The newest reading wins: an answer to an earlier call can arrive after a newer pushed state.
  setSync: (sync) => set((s) => (s.sync && s.sync.at > sync.at ? {} : { sync })),

  inbox: [],
  selected: 0,
  loadInbox: async () => {
    const inbox = await bridge.call('inbox', {});
    set((s) => ({ inbox, selected: Math.min(s.selected, Math.max(inbox.length - 1, 0)) }));
  },
  move: (delta) => set((s) => ({ selected: Math.max(0, Math.min(s.inbox.length - 1, s.selected + delta)) })),
  act: async (action) => {
    try {
      await bridge.call('act', action);
      set({ error: undefined });
    } catch (err) {
      set({ error: (err as Error).message });
    }
  },

  audit: [],
  auditQuery: {},
  chain: undefined,
  searchAudit: async (auditQuery) => {
    set({ auditQuery });
    set({ audit: await bridge.call('audit.search', auditQuery) });
  },
  verifyChain: async () => set({ chain: await bridge.call('audit.verify', {}) }),

  page: 'inbox',
  go: (page) => set({ page }),
  error: undefined,
  setError: (error) => set({ error }),
}));

/** Keeps the store in step with the core: initial reads, then re-reads on change events. */
export function connectStore(): () => void {
  const { loadInbox, searchAudit, setSync } = useStore.getState();
  void bridge.call('state', {}).then(setSync);
  void loadInbox();
  void searchAudit({});
  void useStore.getState().loadHosts();
  void bridge.call('session', {}).then((session) => {
    useStore.getState().setSession(session);
    signInOnFirstLoad(session, useStore.getState().signIn);
  });
  return bridge.subscribe((e) => {
    if (e.type === 'session') {
      const moved = sessionMoved(useStore.getState().session, e.session);
      useStore.getState().setSession(e.session);
      // Another workspace (or nobody) is open now: everything shown belongs to the old one.
      if (moved) {
        useStore.setState({ inbox: [], selected: 0, audit: [], chain: undefined, alertDetail: undefined });
        void loadInbox();
        void searchAudit({});
        void useStore.getState().loadHosts();
        void bridge.call('state', {}).then(setSync);
      }
    }
    if (e.type === 'state') setSync(e.state);
    if (e.type === 'changed') {
      if (e.tables.includes('alerts') || e.tables.includes('comments')) void loadInbox();
      if (e.tables.some((t) => ALERT_DETAIL_TABLES.includes(t))) void useStore.getState().reloadAlert();
      if (e.tables.includes('audit_events')) void searchAudit(useStore.getState().auditQuery);
      if (e.tables.some((t) => HOST_TABLES.includes(t))) void useStore.getState().loadHosts();
      void bridge.call('state', {}).then(setSync);
    }
    if (e.type === 'open') void openTarget(e.target);
    if (e.type === 'key_refused') {
      useStore
        .getState()
        .setError('This page is not connected to the running Vigilo desktop: open the address it printed.');
    }
    // In Electron, main raises the native notification; in a browser tab the page does.
    const inBrowser = !window.vigiloBridge;
    if (
      e.type === 'notify' &&
      inBrowser &&
      'Notification' in window &&
      Notification.permission === 'granted'
    ) {
      const n = new Notification(e.title, { body: e.body });
      n.onclick = () => {
        window.focus();
        void openTarget(e.target);
      };
    }
  });
}
