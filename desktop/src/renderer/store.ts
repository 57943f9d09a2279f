import { create } from 'zustand';
import type { Action, AuditEntry, AuditQuery, ChainCheck, InboxItem, SyncState } from '../bridge/contract.ts';
import { bridge } from './bridge/transport.ts';
import { type ApprovalsSlice, createApprovalsSlice } from './features/approvals/slice.ts';
import { type CertificatesSlice, createCertificatesSlice } from './features/certificates/slice.ts';
import { type ChangesSlice, createChangesSlice } from './features/changes/slice.ts';
import { createInboxDetailSlice, type InboxDetailSlice } from './features/inbox/slice.ts';
import { createIncidentsSlice, type IncidentsSlice } from './features/incidents/slice.ts';
import { createSessionSlice, type SessionSlice } from './features/session/slice.ts';

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

export type Page =
  | 'inbox'
  | 'approvals'
  | 'certificates'
  | 'incidents'
  | 'changes'
  | 'audit'
  | 'settings'
  | 'risks'
  | 'vendors'
  | 'controls';
export type Store = SyncSlice &
  InboxSlice &
  AuditSlice &
  UiSlice &
  CertificatesSlice &
  SessionSlice &
  InboxDetailSlice &
  ApprovalsSlice &
  ChangesSlice &
  IncidentsSlice;

export const useStore = create<Store>()((set, get, api) => ({
  ...createCertificatesSlice(set, get, api),
  ...createSessionSlice(set, get, api),
  ...createInboxDetailSlice(set, get, api),
  ...createApprovalsSlice(set, get, api),
  ...createChangesSlice(set, get, api),
  ...createIncidentsSlice(set, get, api),

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
