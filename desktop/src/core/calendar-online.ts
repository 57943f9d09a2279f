import type { z } from 'zod';
import type {
  CabMeetingView,
  cabDecisionDraftSchema,
  DelegationView,
  delegationDraftSchema,
  FreezeView,
  freezeDraftSchema,
} from '../bridge/change-admin.ts';
import type { OnlineResult } from '../bridge/changes.ts';
import { iso, online } from './change-admin-online.ts';
import type { OnlineDeps } from './hosts-online.ts';
import { names } from './replica/people.ts';

/**
 * Delegations ("I'm away"), freeze windows and CAB meetings: online calls, refused in words
 * offline, with the server's words per field when it names one.
 */

/** How many meetings the CAB list reads the agenda of (the latest first). */
const MEETINGS_SHOWN = 10;

/** Delegations not over yet; `me` marks the ones of my own approvals. */
export function listDelegations(
  deps: OnlineDeps,
  me: string | undefined,
): Promise<OnlineResult<{ delegations: DelegationView[] }>> {
  return online('reading delegations', async () => {
    const rows = await deps.api.delegations.list.query({ workspace: deps.workspace });
    const name = names(deps.db);
    return {
      delegations: rows.map((d) => ({
        id: d.id,
        approver: name(d.approverId),
        delegate: name(d.delegateId),
        startsAt: iso(d.startsAt),
        endsAt: iso(d.endsAt),
        reason: d.reason ?? '',
        mine: d.approverId === me,
      })),
    };
  });
}

/** Names a delegate for my approvals between two instants. */
export function createDelegation(
  deps: OnlineDeps,
  draft: z.output<typeof delegationDraftSchema>,
): Promise<OnlineResult<{ id: string }>> {
  return online('naming a delegate', async () => {
    const created = await deps.api.delegations.create.mutate({
      workspace: deps.workspace,
      delegateId: draft.delegateId,
      startsAt: draft.startsAt,
      endsAt: draft.endsAt,
      ...(draft.reason ? { reason: draft.reason } : {}),
    });
    return { id: created.id };
  });
}

export function removeDelegation(deps: OnlineDeps, id: string): Promise<OnlineResult> {
  return online('removing a delegation', async () => {
    await deps.api.delegations.remove.mutate({ workspace: deps.workspace, id });
    return {};
  });
}

/** Freeze windows not over yet, earliest first. */
export function listFreezeWindows(deps: OnlineDeps): Promise<OnlineResult<{ windows: FreezeView[] }>> {
  return online('reading freeze windows', async () => {
    const rows = await deps.api.freezeWindows.list.query({ workspace: deps.workspace });
    return {
      windows: rows.map((w) => ({
        id: w.id,
        name: w.name,
        reason: w.reason,
        startsAt: iso(w.startsAt),
        endsAt: iso(w.endsAt),
        tags: w.tags,
      })),
    };
  });
}

export function createFreezeWindow(
  deps: OnlineDeps,
  draft: z.output<typeof freezeDraftSchema>,
): Promise<OnlineResult<{ id: string }>> {
  return online('adding a freeze window', async () => {
    const created = await deps.api.freezeWindows.create.mutate({ workspace: deps.workspace, ...draft });
    return { id: created.id };
  });
}

export function removeFreezeWindow(deps: OnlineDeps, id: string): Promise<OnlineResult> {
  return online('removing a freeze window', async () => {
    await deps.api.freezeWindows.remove.mutate({ workspace: deps.workspace, id });
    return {};
  });
}

/** The latest CAB meetings, each with its attendees and its agenda's changes and decisions. */
export function listMeetings(deps: OnlineDeps): Promise<OnlineResult<{ meetings: CabMeetingView[] }>> {
  return online('reading CAB meetings', async () => {
    const list = await deps.api.cab.list.query({ workspace: deps.workspace });
    const name = names(deps.db);
    const meetings = await Promise.all(
      list
        .slice(0, MEETINGS_SHOWN)
        .map((m) => deps.api.cab.get.query({ workspace: deps.workspace, id: m.id })),
    );
    return {
      meetings: meetings.map((m) => ({
        id: m.id,
        title: m.title,
        startsAt: iso(m.startsAt),
        endsAt: iso(m.endsAt),
        state: m.state,
        attendees: m.attendeeIds.map(name),
        agenda: m.agenda.map((item) => ({
          changeId: item.change.id,
          title: item.change.title,
          type: item.change.type,
          risk: item.change.risk,
          state: item.change.state,
          decision: item.decision,
          comment: item.comment,
          decidedBy: item.decidedBy ?? undefined,
        })),
      })),
    };
  });
}

/** Records the board's decision on one change of a meeting's agenda. */
export function decideAtCab(
  deps: OnlineDeps,
  draft: z.output<typeof cabDecisionDraftSchema>,
): Promise<OnlineResult> {
  return online('recording the CAB decision', async () => {
    await deps.api.cab.addDecision.mutate({
      workspace: deps.workspace,
      meetingId: draft.meetingId,
      changeId: draft.changeId,
      decision: draft.decision,
      ...(draft.comment ? { comment: draft.comment } : {}),
    });
    return {};
  });
}
