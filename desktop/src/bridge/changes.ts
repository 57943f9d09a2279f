import { riskLevelSchema } from '@vigilo/shared/change-risk';
import { type ChangeState, changeStateSchema, changeTypeSchema } from '@vigilo/shared/change-states';
import { z } from 'zod';
import type { AuditEntry } from './contract.ts';

/**
 * The bridge's view of change management: the approval queue, the change list and a change's
 * detail (risk reasons, collisions, approval trail, timeline), and the online calls that create,
 * submit and move changes. Pure data, like contract.ts: both the core and the renderer import it.
 */

/** A member as the pages name them: their name, else their email, else "a former member". */
export type Person = { id: string; name: string };

/** One approval request waiting on me (as an approver, or as the delegate of one). */
export type ApprovalItem = {
  requestId: string;
  changeId: string;
  title: string;
  type: string;
  risk: string;
  kind: 'approval' | 'retrospective';
  step: number;
  stepName: string;
  quorum: number;
  /** Approvals the step has so far. */
  approvals: number;
  /** The change revision the request was sent for (what a decision is checked against). */
  revision: number;
  requester: Person;
  openedAt: string | undefined;
  plannedStart: string | undefined;
  plannedEnd: string | undefined;
  /** True when I am one of the step's approvers myself. */
  asApprover: boolean;
  /** The approvers I stand in for, as their delegate. */
  onBehalfOf: Person[];
  /** My decision while the outbox still holds it (shown at once, rolled back if refused). */
  myDecision: 'approve' | 'reject' | undefined;
  pending: boolean;
};

export const changeFilterSchema = z.object({
  text: z.string().max(200).optional(),
  state: changeStateSchema.optional(),
  type: changeTypeSchema.optional(),
  risk: riskLevelSchema.optional(),
});
export type ChangeFilter = z.input<typeof changeFilterSchema>;

/** A change as the list shows it. */
export type ChangeListRow = {
  id: string;
  title: string;
  type: string;
  state: string;
  risk: string;
  requester: Person;
  plannedStart: string | undefined;
  createdAt: string;
  /** Open approval requests waiting on me for this change. */
  waitingOnMe: boolean;
};

/** A collision the server found on the change's schedule: a warning, not a block. */
export type Collision = { kind: string; message: string };

/** One approval step of a change, with who was asked and what they decided. */
export type ApprovalStepView = {
  requestId: string;
  kind: string;
  step: number;
  stepName: string;
  state: string;
  /** Why it closed without its own quorum (withdrawn, cancelled, edited, rejected). */
  closedReason: string | undefined;
  quorum: number;
  revision: number;
  approvers: Person[];
  openedAt: string | undefined;
  /** When it reached its quorum, was rejected, or closed without it. */
  decidedAt: string | undefined;
  decisions: Array<{
    decision: 'approve' | 'reject';
    comment: string;
    by: Person;
    onBehalfOf: Person | undefined;
    at: string;
    /** True for my decision while the outbox holds it. */
    pending: boolean;
  }>;
};

/** What happened to a change, oldest first. */
export type ChangeEvent = { at: string; what: string; by?: string; text?: string; pending: boolean };

export type ChangeDetail = {
  id: string;
  title: string;
  type: string;
  state: ChangeState;
  description: string;
  implementationPlan: string;
  rollbackPlan: string;
  testPlan: string;
  plannedStart: string | undefined;
  plannedEnd: string | undefined;
  hosts: Array<{ id: string; name: string }>;
  tags: string[];
  certificateFingerprint: string | undefined;
  requester: Person;
  assignee: Person | undefined;
  risk: { level: string; score: number; reasons: Array<{ code: string; points: number; text: string }> };
  collisions: Collision[];
  revision: number;
  /** The states a person may move it to now (shared/src/change-states.ts). */
  allowedTransitions: ChangeState[];
  approvals: ApprovalStepView[];
  timeline: ChangeEvent[];
  /** The change's rows of the audit log, when this role reads it (else empty). */
  audit: AuditEntry[];
  /** The request of this change waiting on me now, if any: what y / n decide. */
  waitingOnMe: ApprovalItem | undefined;
  retrospectiveDueAt: string | undefined;
  retrospectiveDone: boolean;
};

/**
 * A new change from the desktop's form. Loose on purpose: the server checks the fields and its
 * refusal names each one (fieldErrors), so the form shows the server's own words.
 */
export const changeDraftSchema = z.object({
  title: z.string().max(1000),
  type: changeTypeSchema.default('normal'),
  description: z.string().max(20_000).default(''),
  implementationPlan: z.string().max(20_000).default(''),
  rollbackPlan: z.string().max(20_000).default(''),
  testPlan: z.string().max(20_000).default(''),
  /** ISO instants or empty (none planned). */
  plannedStart: z.string().max(40).default(''),
  plannedEnd: z.string().max(40).default(''),
  affectedHostIds: z.array(z.string().max(100)).max(500).default([]),
  riskAnswers: z.record(z.string().max(40), z.string().max(40)).default({}),
  /** Submit for approval right after creating it. */
  submit: z.boolean().default(false),
  /** Raise it from this approved standard-change template (approved at once, never submitted). */
  templateId: z.string().max(100).optional(),
});
export type ChangeDraft = z.input<typeof changeDraftSchema>;

/** An online call that the server refused or could not receive, in words, with its fields. */
export type OnlineRefusal = {
  ok: false;
  reason: 'offline' | 'signed_out' | 'refused';
  message: string;
  /** The server's words per field (e.g. `title`, `plannedEnd`), when it named fields. */
  fieldErrors: Record<string, string>;
};

/** A change created (and submitted, when asked); `message` says why a submission failed. */
export type ChangeCreated = { ok: true; id: string; submitted: boolean; message: string | undefined };

export const changeTransitionSchema = z.object({
  changeId: z.string().min(1).max(100),
  to: changeStateSchema,
  note: z.string().max(2000).optional(),
});

export type OnlineResult<T extends object = object> = ({ ok: true } & T) | OnlineRefusal;
