import type { ChangeState } from '@vigilo/shared/change-states';
import type { StateCreator } from 'zustand';
import type {
  ChangeCreated,
  ChangeDetail,
  ChangeDraft,
  ChangeFilter,
  ChangeListRow,
  OnlineRefusal,
  OnlineResult,
} from '../../../bridge/changes.ts';
import { bridge } from '../../bridge/transport.ts';
import type { Store } from '../../store.ts';

/** The replica tables the change list and detail are read from. */
export const CHANGE_TABLES = [
  'changes',
  'change_collisions',
  'approval_requests',
  'approval_decisions',
  'delegations',
  'people',
  'hosts',
  'audit_events',
];

/**
 * The Changes page: the filtered list, the selection, the open change and the new-change form.
 * A mirror of the replica (re-read on change); creating and moving a change are online calls
 * whose refusals are shown in the server's words.
 */
export type ChangesSlice = {
  changes: ChangeListRow[];
  changeFilter: ChangeFilter;
  changeSelected: number;
  changeDetail: ChangeDetail | undefined;
  /** The outcome of the last move, in words (refused, offline...); cleared by the next one. */
  changeMessage: { ok: boolean; text: string } | undefined;
  changeFormOpen: boolean;
  loadChanges: () => Promise<void>;
  setChangeFilter: (filter: ChangeFilter) => Promise<void>;
  moveChange: (delta: number) => void;
  openChange: (changeId: string) => Promise<void>;
  closeChange: () => void;
  transitionChange: (to: ChangeState, note?: string) => Promise<void>;
  setChangeFormOpen: (open: boolean) => void;
  createChange: (draft: ChangeDraft) => Promise<ChangeCreated | OnlineRefusal>;
  /** Drafts the renewal of the certificate an expiry alert is about, and shows it. */
  draftRenewal: (alertId: string) => Promise<OnlineResult<{ id: string }>>;
};

export const createChangesSlice: StateCreator<Store, [], [], ChangesSlice> = (set, get) => {
  const reloadDetail = async () => {
    const open = get().changeDetail;
    if (!open) return;
    const detail = await bridge.call('changes.detail', { changeId: open.id });
    if (get().changeDetail?.id === open.id) set({ changeDetail: detail ?? undefined });
  };
  return {
    changes: [],
    changeFilter: {},
    changeSelected: 0,
    changeDetail: undefined,
    changeMessage: undefined,
    changeFormOpen: false,
    loadChanges: async () => {
      try {
        const changes = await bridge.call('changes.list', get().changeFilter);
        set((s) => ({
          changes,
          changeSelected: Math.min(s.changeSelected, Math.max(changes.length - 1, 0)),
        }));
        await reloadDetail();
      } catch {
        set({ changes: [], changeDetail: undefined }); // no workspace open yet
      }
    },
    setChangeFilter: async (changeFilter) => {
      set({ changeFilter, changeSelected: 0 });
      await get().loadChanges();
    },
    moveChange: (delta) =>
      set((s) => ({
        changeSelected: Math.max(0, Math.min(s.changes.length - 1, s.changeSelected + delta)),
      })),
    openChange: async (changeId) => {
      const detail = await bridge.call('changes.detail', { changeId });
      const index = get().changes.findIndex((c) => c.id === changeId);
      set({
        changeDetail: detail ?? undefined,
        changeMessage: undefined,
        changeFormOpen: false,
        ...(index >= 0 ? { changeSelected: index } : {}),
      });
    },
    closeChange: () => set({ changeDetail: undefined, changeMessage: undefined }),
    transitionChange: async (to, note) => {
      const open = get().changeDetail;
      if (!open) return;
      const result = await bridge.call('changes.transition', {
        changeId: open.id,
        to,
        ...(note ? { note } : {}),
      });
      set({
        changeMessage: result.ok
          ? { ok: true, text: `Moved to ${to.replace('_', ' ')}.` }
          : { ok: false, text: `Not moved: ${result.message}.` },
      });
      await get().loadChanges();
    },
    setChangeFormOpen: (changeFormOpen) => set({ changeFormOpen }),
    createChange: async (draft) => {
      const result = await bridge.call('changes.create', draft);
      if (result.ok) {
        await get().loadChanges();
        await get().openChange(result.id);
        set({
          changeMessage: result.message
            ? { ok: false, text: `Created, ${result.message}.` }
            : {
                ok: true,
                text: result.submitted ? 'Created and submitted for approval.' : 'Created as a draft.',
              },
        });
      }
      return result;
    },
    draftRenewal: async (alertId) => {
      const result = await bridge.call('changes.draftRenewal', { alertId });
      if (result.ok) {
        get().go('changes');
        await get().loadChanges();
        await get().openChange(result.id);
        set({
          changeMessage: {
            ok: true,
            text: 'Renewal drafted from the alert: check its window, then submit it.',
          },
        });
      }
      return result;
    },
  };
};
