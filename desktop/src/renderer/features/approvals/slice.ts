import type { StateCreator } from 'zustand';
import type { ApprovalItem, ChangeDetail } from '../../../bridge/changes.ts';
import { bridge } from '../../bridge/transport.ts';
import type { Store } from '../../store.ts';

/** The replica tables the queue and the open change are read from: a change to any re-reads them. */
export const APPROVAL_TABLES = [
  'approval_requests',
  'approval_decisions',
  'changes',
  'change_collisions',
  'delegations',
  'people',
  'hosts',
  'audit_events',
];

/** The decision being written: y opens it to approve, n to reject (a rejection needs a comment). */
export type DecisionDraft = { decision: 'approve' | 'reject' } | undefined;

/**
 * The Approvals page: my queue (mirrored from the replica), the selection, the selected change's
 * detail and the decision being written. Decisions go through the outbox like acknowledgements:
 * they show at once, online or offline, and a refusal comes back as a conflict in words.
 */
export type ApprovalsSlice = {
  approvals: ApprovalItem[];
  approvalSelected: number;
  approvalDetail: ChangeDetail | undefined;
  decisionDraft: DecisionDraft;
  loadApprovals: () => Promise<void>;
  moveApproval: (delta: number) => void;
  selectApproval: (index: number) => void;
  setDecisionDraft: (draft: DecisionDraft) => void;
  decide: (item: ApprovalItem, decision: 'approve' | 'reject', comment: string) => Promise<void>;
  /** Shows the change of a request (a deep link or the inbox), selecting it when it is queued. */
  showApprovalOf: (changeId: string) => Promise<void>;
};

export const createApprovalsSlice: StateCreator<Store, [], [], ApprovalsSlice> = (set, get) => {
  /** Reads the selected item's change; a newer selection wins over a late answer. */
  const readDetail = async () => {
    const item = get().approvals[get().approvalSelected];
    if (!item) return set({ approvalDetail: undefined });
    const detail = await bridge.call('changes.detail', { changeId: item.changeId });
    if (get().approvals[get().approvalSelected]?.changeId === item.changeId)
      set({ approvalDetail: detail ?? undefined });
  };
  return {
    approvals: [],
    approvalSelected: 0,
    approvalDetail: undefined,
    decisionDraft: undefined,
    loadApprovals: async () => {
      try {
        const approvals = await bridge.call('approvals.mine', {});
        const selectedId = get().approvals[get().approvalSelected]?.requestId;
        // Keep the same request selected when others come and go; else stay at the same place.
        const kept = approvals.findIndex((a) => a.requestId === selectedId);
        const index = kept >= 0 ? kept : Math.min(get().approvalSelected, Math.max(approvals.length - 1, 0));
        set({ approvals, approvalSelected: index });
        await readDetail();
      } catch {
        set({ approvals: [], approvalDetail: undefined }); // no workspace open yet
      }
    },
    moveApproval: (delta) => {
      const s = get();
      const index = Math.max(0, Math.min(s.approvals.length - 1, s.approvalSelected + delta));
      if (index === s.approvalSelected) return;
      set({ approvalSelected: index, decisionDraft: undefined });
      void readDetail();
    },
    selectApproval: (index) => {
      set({ approvalSelected: index, decisionDraft: undefined });
      void readDetail();
    },
    setDecisionDraft: (decisionDraft) => set({ decisionDraft }),
    decide: async (item, decision, comment) => {
      set({ decisionDraft: undefined });
      await get().act({
        kind: 'approval.decide',
        args: {
          requestId: item.requestId,
          decision,
          ...(comment.trim() ? { comment: comment.trim() } : {}),
          // The revision the approver saw: an edit since is a conflict, not a blind approval.
          revision: item.revision,
          ...(!item.asApprover && item.onBehalfOf[0] ? { onBehalfOf: item.onBehalfOf[0].id } : {}),
        },
      });
      await get().loadApprovals();
      // On to the next request still undecided: triage goes down the queue.
      const next = get().approvals.findIndex((a, i) => i > get().approvalSelected && !a.myDecision);
      if (next >= 0) get().selectApproval(next);
    },
    showApprovalOf: async (changeId) => {
      await get().loadApprovals();
      const index = get().approvals.findIndex((a) => a.changeId === changeId);
      if (index >= 0) {
        get().go('approvals');
        get().selectApproval(index);
      } else {
        // Not waiting on me (decided, or never mine): the change itself, on the Changes page.
        get().go('changes');
        await get().openChange(changeId);
      }
    },
  };
};
