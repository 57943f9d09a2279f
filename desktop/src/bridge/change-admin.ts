import { approverGroupSchema } from '@vigilo/shared/change-inputs';
import { riskLevelSchema } from '@vigilo/shared/change-risk';
import { changeTypeSchema } from '@vigilo/shared/change-states';
import { z } from 'zod';
import type { OnlineResult, Person } from './changes.ts';

/**
 * The bridge's view of change-management administration: approval policies, standard-change
 * templates, delegations ("I'm away"), freeze windows, CAB meetings and editing a change. All of
 * them are online calls (the server decides and names each refused field); the drafts are loose
 * on purpose so the form shows the server's own words per field. Pure data, like contract.ts.
 */

const id = z.string().min(1).max(100);
const ids = z.array(id).max(100);
const words = (max: number) => z.string().max(max);
const tags = z.array(words(100)).max(50);
/** An ISO instant, or '' (the server names the field when it needs one). */
const when = words(40);

export const policyStepDraftSchema = z.object({
  name: words(1000),
  approverIds: ids.default([]),
  group: approverGroupSchema.nullable().default(null),
  quorum: z.union([z.number().int(), z.literal('all')]).default(1),
});
export type PolicyStepDraft = z.input<typeof policyStepDraftSchema>;

/** A new policy, or an edit of one (with its id): the whole policy each time. */
export const policyDraftSchema = z.object({
  id: id.optional(),
  name: words(1000),
  priority: z.number().int().default(100),
  changeTypes: z.array(changeTypeSchema).max(3).default([]),
  minRisk: riskLevelSchema.nullable().default(null),
  tags: tags.default([]),
  steps: z.array(policyStepDraftSchema).max(20),
  enabled: z.boolean().default(true),
});
export type PolicyDraft = z.input<typeof policyDraftSchema>;

export type PolicyView = {
  id: string;
  name: string;
  priority: number;
  changeTypes: string[];
  minRisk: string | null;
  tags: string[];
  enabled: boolean;
  steps: Array<{
    name: string;
    approvers: Person[];
    group: string | null;
    quorum: number | 'all';
    cab: boolean;
  }>;
};

export const templateDraftSchema = z.object({
  name: words(1000),
  description: words(20_000).default(''),
  implementationPlan: words(20_000).default(''),
  rollbackPlan: words(20_000).default(''),
  testPlan: words(20_000).default(''),
  affectedTags: tags.default([]),
});
export type TemplateDraft = z.input<typeof templateDraftSchema>;

export type TemplateView = {
  id: string;
  name: string;
  description: string;
  state: string;
  renewal: boolean;
  proposedBy: Person | undefined;
  approvedBy: Person | undefined;
};

export const delegationDraftSchema = z.object({
  delegateId: words(100),
  startsAt: when,
  endsAt: when,
  reason: words(1000).default(''),
});
export type DelegationDraft = z.input<typeof delegationDraftSchema>;

export type DelegationView = {
  id: string;
  approver: Person;
  delegate: Person;
  startsAt: string;
  endsAt: string;
  reason: string;
  /** True when the approvals delegated are mine. */
  mine: boolean;
};

export const freezeDraftSchema = z.object({
  name: words(1000),
  reason: words(2000).default(''),
  startsAt: when,
  endsAt: when,
  tags: tags.default([]),
});
export type FreezeDraft = z.input<typeof freezeDraftSchema>;

export type FreezeView = {
  id: string;
  name: string;
  reason: string;
  startsAt: string;
  endsAt: string;
  tags: string[];
};

export type CabMeetingView = {
  id: string;
  title: string;
  startsAt: string;
  endsAt: string;
  state: string;
  attendees: Person[];
  agenda: Array<{
    changeId: string;
    title: string;
    type: string;
    risk: string;
    state: string;
    decision: 'approve' | 'reject' | null;
    comment: string;
    decidedBy: Person | undefined;
  }>;
};

export const cabDecisionDraftSchema = z.object({
  meetingId: id,
  changeId: id,
  decision: z.enum(['approve', 'reject']),
  comment: words(2000).default(''),
});

/** An edit of a change: only the fields given; its state decides which the server accepts. */
export const changeEditSchema = z.object({
  changeId: id,
  title: words(1000).optional(),
  description: words(20_000).optional(),
  implementationPlan: words(20_000).optional(),
  rollbackPlan: words(20_000).optional(),
  testPlan: words(20_000).optional(),
  /** ISO instants; '' clears the plan. */
  plannedStart: when.optional(),
  plannedEnd: when.optional(),
});
export type ChangeEdit = z.input<typeof changeEditSchema>;

const ref = z.object({ id });

/** The calls, spread into contract.ts's bridgeCalls. */
export const changeAdminCalls = {
  'people.list': { input: z.object({}) },
  'policies.list': { input: z.object({}) },
  'policies.save': { input: policyDraftSchema },
  'policies.remove': { input: ref },
  'templates.list': { input: z.object({}) },
  'templates.create': { input: templateDraftSchema },
  'templates.approve': { input: ref },
  'delegations.list': { input: z.object({}) },
  'delegations.create': { input: delegationDraftSchema },
  'delegations.remove': { input: ref },
  'freezeWindows.list': { input: z.object({}) },
  'freezeWindows.create': { input: freezeDraftSchema },
  'freezeWindows.remove': { input: ref },
  'cab.list': { input: z.object({}) },
  'cab.decide': { input: cabDecisionDraftSchema },
  'changes.edit': { input: changeEditSchema },
} as const;

/** Their answers, joined into contract.ts's BridgeOutputs. */
export type ChangeAdminOutputs = {
  'people.list': Person[];
  'policies.list': OnlineResult<{ policies: PolicyView[] }>;
  'policies.save': OnlineResult<{ id: string }>;
  'policies.remove': OnlineResult;
  'templates.list': OnlineResult<{ templates: TemplateView[] }>;
  'templates.create': OnlineResult<{ id: string }>;
  'templates.approve': OnlineResult;
  'delegations.list': OnlineResult<{ delegations: DelegationView[] }>;
  'delegations.create': OnlineResult<{ id: string }>;
  'delegations.remove': OnlineResult;
  'freezeWindows.list': OnlineResult<{ windows: FreezeView[] }>;
  'freezeWindows.create': OnlineResult<{ id: string }>;
  'freezeWindows.remove': OnlineResult;
  'cab.list': OnlineResult<{ meetings: CabMeetingView[] }>;
  'cab.decide': OnlineResult;
  'changes.edit': OnlineResult;
};
