import type { StateCreator } from 'zustand';
import type { Action } from '../../../bridge/contract.ts';
import type { AddHost, AddHostResult, HostDetail, HostFilter, HostRow } from '../../../bridge/inventory.ts';
import { bridge } from '../../bridge/transport.ts';
import type { Store } from '../../store.ts';

/** The replica tables the host list and detail are read from: a change to any re-reads them. */
export const HOST_TABLES = ['hosts', 'host_status', 'certificates', 'snoozes', 'alerts'];

/**
 * The "Certificates and hosts" slice: the filtered list, the selection, the open detail and its
 * history refresh. A mirror of the replica (re-read on change), never a second source of truth.
 */
export type CertificatesSlice = {
  hosts: HostRow[];
  hostFilter: HostFilter;
  hostSelected: number;
  hostDetail: HostDetail | undefined;
  /** Why the last history refresh used the cached copy (offline...), if it did. */
  historyError: string | undefined;
  /** Why the list could not be read (e.g. no workspace open yet); shown on the page only. */
  hostsError: string | undefined;
  loadHosts: () => Promise<void>;
  setHostFilter: (filter: HostFilter) => Promise<void>;
  moveHost: (delta: number) => void;
  openHost: (hostId: string) => Promise<void>;
  closeHost: () => void;
  hostAct: (action: Action) => Promise<void>;
  addHost: (input: AddHost) => Promise<AddHostResult>;
};

export const createCertificatesSlice: StateCreator<Store, [], [], CertificatesSlice> = (set, get) => {
  const reloadDetail = async () => {
    const open = get().hostDetail;
    if (!open) return;
    const detail = await bridge.call('hosts.detail', { hostId: open.id });
    // Another host may have been opened while this read was in flight.
    if (get().hostDetail?.id === open.id) set({ hostDetail: detail ?? undefined });
  };
  return {
    hosts: [],
    hostFilter: {},
    hostSelected: 0,
    hostDetail: undefined,
    historyError: undefined,
    hostsError: undefined,
    loadHosts: async () => {
      try {
        const hosts = await bridge.call('hosts.list', get().hostFilter);
        set((s) => ({
          hosts,
          hostsError: undefined,
          hostSelected: Math.min(s.hostSelected, Math.max(hosts.length - 1, 0)),
        }));
        await reloadDetail();
      } catch (err) {
        // Not the app-wide error banner: before a workspace is open this read has no answer,
        // and the banner would outlive the sign-in that fixes it.
        set({ hosts: [], hostDetail: undefined, hostsError: (err as Error).message });
      }
    },
    setHostFilter: async (hostFilter) => {
      set({ hostFilter, hostSelected: 0 });
      await get().loadHosts();
    },
    moveHost: (delta) =>
      set((s) => ({ hostSelected: Math.max(0, Math.min(s.hosts.length - 1, s.hostSelected + delta)) })),
    openHost: async (hostId) => {
      const detail = await bridge.call('hosts.detail', { hostId });
      set({ hostDetail: detail ?? undefined, historyError: undefined });
      if (!detail) return;
      // Shows the cached history at once; the server's fresher answer replaces it when online.
      const refreshed = await bridge.call('hosts.history', { hostId, days: 30 });
      if (get().hostDetail?.id !== hostId) return;
      set({ historyError: refreshed.error });
      await reloadDetail();
    },
    closeHost: () => set({ hostDetail: undefined, historyError: undefined }),
    hostAct: async (action) => {
      try {
        await bridge.call('act', action);
        set({ error: undefined });
      } catch (err) {
        set({ error: (err as Error).message });
      }
      // The local effect is already in the replica: show it without waiting for an event.
      await get().loadHosts();
    },
    addHost: async (input) => {
      const result = await bridge.call('hosts.add', input);
      if (result.ok) await get().loadHosts();
      return result;
    },
  };
};
