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
  settingsTab: SettingsTab;
  /** Opens Settings on one tab; `intent` asks that tab to open its form (the palette's "new rule"). */
  openSettings: (tab: SettingsTab, intent?: string) => void;
  /** What the palette asked the open settings tab to do; the tab clears it once done. */
  settingsIntent: string | undefined;
  clearSettingsIntent: () => void;
  /** Opens a page with an intent for it (the palette's "Add host" on certificates). */
  goWithIntent: (page: Page, intent: string) => void;
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
  | 'controls'
  | 'oncall'
  | 'reliability';
export type SettingsTab =
  'workspace' | 'rules' | 'channels' | 'members' | 'agents' | 'tokens' | 'maintenance';
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
  settingsTab: 'workspace',
  openSettings: (settingsTab, settingsIntent) => set({ page: 'settings', settingsTab, settingsIntent }),
  settingsIntent: undefined,
  clearSettingsIntent: () => set({ settingsIntent: undefined }),
  goWithIntent: (page, settingsIntent) => set({ page, settingsIntent }),
  error: undefined,
  setError: (error) => set({ error }),
}));
