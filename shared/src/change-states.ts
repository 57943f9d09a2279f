import { z } from 'zod';

/**
 * The life of a change (DESIGN.md §4 "Change") as data, pure: the server refuses a transition
 * with it and the desktop shows the buttons it allows. A change is raised as a draft, submitted
 * for approval, approved (or rejected) by its approval steps, scheduled, implemented, and ends
 * completed, failed or rolled back; it may be cancelled while it has not started.
 */

export const CHANGE_TYPES = ['standard', 'normal', 'emergency'] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];
export const changeTypeSchema = z.enum(CHANGE_TYPES, {
  error: `type must be one of ${CHANGE_TYPES.join(', ')}`,
});

export const CHANGE_STATES = [
  'draft',
  'submitted',
  'approved',
  'scheduled',
  'implementing',
  'completed',
  'failed',
  'rolled_back',
  'rejected',
  'cancelled',
] as const;
export type ChangeState = (typeof CHANGE_STATES)[number];
export const changeStateSchema = z.enum(CHANGE_STATES, {
  error: `state must be one of ${CHANGE_STATES.join(', ')}`,
});

/**
 * Who makes a move: `person` through `changes.transition`; `approval` only as the outcome of the
 * change's approval steps (`approvals.decide`), never by asking for it directly.
 */
export type TransitionActor = 'person' | 'approval';

/** Every legal move, from each state. A state without moves is final. */
const TRANSITIONS: { readonly [S in ChangeState]: Partial<Record<ChangeState, TransitionActor>> } = {
  draft: { submitted: 'person', cancelled: 'person' },
  // Back to draft is "withdraw to edit"; cancelled withdraws it for good.
  submitted: { draft: 'person', cancelled: 'person', approved: 'approval', rejected: 'approval' },
  approved: { scheduled: 'person', cancelled: 'person' },
  scheduled: { implementing: 'person', cancelled: 'person' },
  implementing: { completed: 'person', failed: 'person', rolled_back: 'person' },
  completed: {},
  failed: {},
  rolled_back: {},
  rejected: {},
  cancelled: {},
};

/** The states a change can move to from `from`, by that actor (in the order of CHANGE_STATES). */
export function allowedTransitions(from: ChangeState, by: TransitionActor = 'person'): ChangeState[] {
  return CHANGE_STATES.filter((to) => TRANSITIONS[from][to] === by);
}

/** True when no move leaves the state. */
export function isFinal(state: ChangeState): boolean {
  return Object.keys(TRANSITIONS[state]).length === 0;
}

/** Why a move is refused, with the moves a person may make instead. */
export type TransitionRefusal = {
  from: ChangeState;
  to: ChangeState;
  /** What a person may do from `from` (empty: the state is final). */
  allowed: ChangeState[];
  /** The refusal in words, naming the allowed moves. */
  message: string;
};

/**
 * Checks a move asked for by `by`. Undefined when it is legal; otherwise the refusal, which names
 * the moves allowed from the current state (the typed error the API and the desktop show).
 */
export function transitionRefusal(
  from: ChangeState,
  to: ChangeState,
  by: TransitionActor = 'person',
): TransitionRefusal | undefined {
  const actor = TRANSITIONS[from][to];
  if (actor === by) return undefined;
  const allowed = allowedTransitions(from, 'person');
  const instead =
    allowed.length === 0
      ? `${wordsFor(from)} is final: nothing can follow it`
      : `from ${from} it can go to ${allowed.join(', ')}`;
  const why =
    actor === 'approval'
      ? `a change becomes ${to} only through its approval steps (approvals.decide)`
      : from === to
        ? `the change is already ${from}`
        : `a change cannot go from ${from} to ${to}`;
  return { from, to, allowed, message: `${why}; ${instead}` };
}

const wordsFor = (state: ChangeState) => `a ${state.replace('_', ' ')} change`;

/**
 * The fields a person may still edit in each state. Before approval everything (an edit of a
 * submitted change restarts its approvals); once approved only the schedule and the assignee, so
 * what the approvers approved stays what is done.
 */
export const EDITABLE_FIELDS = {
  draft: 'all',
  submitted: 'all',
  approved: ['plannedStart', 'plannedEnd', 'assigneeId'],
  scheduled: ['plannedStart', 'plannedEnd', 'assigneeId'],
  implementing: ['assigneeId'],
  completed: [],
  failed: [],
  rolled_back: [],
  rejected: [],
  cancelled: [],
} as const satisfies Record<ChangeState, 'all' | readonly string[]>;

/** True when `field` may be edited while the change is in `state`. */
export function fieldEditable(state: ChangeState, field: string): boolean {
  const editable: 'all' | readonly string[] = EDITABLE_FIELDS[state];
  return editable === 'all' || editable.includes(field);
}

/** How long after its approval an emergency change must have had its retrospective review. */
export const RETROSPECTIVE_DAYS = 5;

/** True when an emergency change's retrospective review is late at `now`. */
export function retrospectiveOverdue(
  change: { retrospectiveDueAt: Date | null; retrospectiveDone: boolean },
  now: Date,
): boolean {
  return change.retrospectiveDueAt !== null && !change.retrospectiveDone && change.retrospectiveDueAt <= now;
}
