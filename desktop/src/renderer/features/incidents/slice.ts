import type { IncidentState } from '@vigilo/shared/incident-states';
import type { StateCreator } from 'zustand';
import type { OnlineResult } from '../../../bridge/changes.ts';
import type {
  IncidentDetail,
  IncidentFilter,
  IncidentListRow,
  IncidentOpen,
} from '../../../bridge/incidents.ts';
import { bridge } from '../../bridge/transport.ts';
import type { Store } from '../../store.ts';

/** The replica tables the incident list and detail are read from. */
export const INCIDENT_TABLES = [
  'incidents',
  'incident_timeline',
  'incident_links',
  'tasks',
  'people',
  'hosts',
  'alerts',
  'changes',
];

/**
 * The Incidents page: the filtered list (open ones by default), the selection and the open
 * incident. Notes and moves go through the outbox (offline too); opening one is an online call.
 */
export type IncidentsSlice = {
  incidents: IncidentListRow[];
  incidentFilter: IncidentFilter;
  incidentSelected: number;
  incidentDetail: IncidentDetail | undefined;
  loadIncidents: () => Promise<void>;
  setIncidentFilter: (filter: IncidentFilter) => Promise<void>;
  moveIncident: (delta: number) => void;
  openIncident: (incidentId: string) => Promise<void>;
  closeIncident: () => void;
  noteIncident: (body: string) => Promise<void>;
  moveIncidentTo: (to: IncidentState, note?: string) => Promise<void>;
  /** Opens an incident on the server (from an alert, or from scratch) and shows it. */
  raiseIncident: (input: IncidentOpen) => Promise<OnlineResult<{ id: string }>>;
};

export const createIncidentsSlice: StateCreator<Store, [], [], IncidentsSlice> = (set, get) => {
  const reloadDetail = async () => {
    const open = get().incidentDetail;
    if (!open) return;
    const detail = await bridge.call('incidents.detail', { incidentId: open.id });
    if (get().incidentDetail?.id === open.id) set({ incidentDetail: detail ?? undefined });
  };
  return {
    incidents: [],
    incidentFilter: { state: 'open' },
    incidentSelected: 0,
    incidentDetail: undefined,
    loadIncidents: async () => {
      try {
        const incidents = await bridge.call('incidents.list', get().incidentFilter);
        set((s) => ({
          incidents,
          incidentSelected: Math.min(s.incidentSelected, Math.max(incidents.length - 1, 0)),
        }));
        await reloadDetail();
      } catch {
        set({ incidents: [], incidentDetail: undefined }); // no workspace open yet
      }
    },
    setIncidentFilter: async (incidentFilter) => {
      set({ incidentFilter, incidentSelected: 0 });
      await get().loadIncidents();
    },
    moveIncident: (delta) =>
      set((s) => ({
        incidentSelected: Math.max(0, Math.min(s.incidents.length - 1, s.incidentSelected + delta)),
      })),
    openIncident: async (incidentId) => {
      const detail = await bridge.call('incidents.detail', { incidentId });
      const index = get().incidents.findIndex((i) => i.id === incidentId);
      set({ incidentDetail: detail ?? undefined, ...(index >= 0 ? { incidentSelected: index } : {}) });
    },
    closeIncident: () => set({ incidentDetail: undefined }),
    noteIncident: async (body) => {
      const open = get().incidentDetail;
      if (!open || !body.trim()) return;
      // The note's id is chosen here: the same id locally and on the server.
      await get().act({
        kind: 'incident.note',
        args: { incidentId: open.id, noteId: crypto.randomUUID(), body: body.trim() },
      });
      await reloadDetail();
    },
    moveIncidentTo: async (to, note) => {
      const open = get().incidentDetail;
      if (!open) return;
      await get().act({
        kind: 'incident.transition',
        args: { incidentId: open.id, to, ...(note?.trim() ? { note: note.trim() } : {}) },
      });
      await get().loadIncidents();
      await reloadDetail();
    },
    raiseIncident: async (input) => {
      const result = await bridge.call('incidents.open', input);
      if (result.ok) {
        get().go('incidents');
        await get().loadIncidents();
        await get().openIncident(result.id);
      }
      return result;
    },
  };
};
