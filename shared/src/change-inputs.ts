import { z } from 'zod';
import { riskAnswersSchema, riskLevelSchema } from './change-risk.ts';
import { changeStateSchema, changeTypeSchema } from './change-states.ts';
import { instant, text } from './safe-input.ts';

/**
 * The change-management inputs as people give them (the API's procedures, the desktop's forms):
 * changes, approval policies, standard-change templates, delegations and approval decisions.
 * Cross-field rules that need no database (an end after its start) are exported as refinements;
 * what needs the database (a host that exists, an approver who is a member) the server checks.
 */

const MAX_TEXT = 20_000;
const longText = (name: string) => text(name).max(MAX_TEXT, `${name} must be at most ${MAX_TEXT} characters`);
const name = (field: string, max: number) =>
  text(field)
    .trim()
    .min(1, `${field} must not be empty`)
    .max(max, `${field} must be at most ${max} characters`);
/** A host tag as change management names it (changes, policies, freeze windows, CAB filters). */
export const changeTagSchema = z
  .string({ error: 'tags are strings' })
  .regex(/^[a-z0-9][a-z0-9:._-]{0,63}$/, 'tags are lower-case words (a-z, 0-9, : . _ -)');
const tag = changeTagSchema;
const ids = (field: string, what: string, max: number) =>
  z.array(z.uuid(`${field} must hold ${what} ids`)).max(max, `${field} holds at most ${max}`);

/** A comment on a decision or a transition. */
export const commentSchema = text('comment').max(2000, 'comment must be at most 2000 characters');

/** The fields of a change, without defaults: `.partial()` of this is a true patch. */
export const changeFields = z.object({
  title: name('title', 200),
  description: longText('description'),
  implementationPlan: longText('implementationPlan'),
  rollbackPlan: longText('rollbackPlan'),
  testPlan: longText('testPlan'),
  plannedStart: instant('plannedStart').nullable(),
  plannedEnd: instant('plannedEnd').nullable(),
  affectedHostIds: ids('affectedHostIds', 'host', 500),
  affectedTags: z.array(tag).max(50, 'affectedTags holds at most 50'),
  /** The certificate the change is about (a renewal), by SHA-256 fingerprint. */
  certificateFingerprint: name('certificateFingerprint', 200).nullable(),
  alertIds: ids('alertIds', 'alert', 100),
  incidentIds: ids('incidentIds', 'incident', 100),
  assigneeId: z.uuid('assigneeId must be a user id').nullable(),
  riskAnswers: riskAnswersSchema,
});
export type ChangeFields = z.infer<typeof changeFields>;

/**
 * A new change. `templateId` raises a standard change from an approved template: it is approved
 * at once, and fields not given come from the template (its name for the title).
 */
export const changeCreateInput = changeFields.partial().extend({
  type: changeTypeSchema.optional(),
  templateId: z.uuid('templateId must be a template id').optional(),
});
export type ChangeCreateInput = z.infer<typeof changeCreateInput>;

/** An edit: only the fields given change; `revision` is the one the editor saw. */
export const changeUpdateInput = changeFields.partial().extend({
  id: z.uuid('id must be a change id'),
  revision: z.number({ error: 'revision must be a number' }).int().min(1),
});
export type ChangeUpdateInput = z.infer<typeof changeUpdateInput>;

/** A move of the change's state (see change-states.ts); `revision`, when given, must be current. */
export const changeTransitionInput = z.object({
  id: z.uuid('id must be a change id'),
  to: changeStateSchema,
  revision: z.number({ error: 'revision must be a number' }).int().min(1).optional(),
  note: commentSchema.optional(),
});

/** Refuses a planned end at or before the planned start, naming plannedEnd. */
export function refinePlannedWindow(
  value: { plannedStart?: Date | null; plannedEnd?: Date | null },
  ctx: z.RefinementCtx,
): void {
  if (value.plannedStart && value.plannedEnd && value.plannedEnd <= value.plannedStart)
    ctx.addIssue({ code: 'custom', path: ['plannedEnd'], message: 'plannedEnd must be after plannedStart' });
}

/** Roles that can be named as a group of approvers: that role's members and those above it. */
export const APPROVER_GROUPS = ['approver', 'admin', 'owner'] as const;
export const approverGroupSchema = z.enum(APPROVER_GROUPS, {
  error: `group must be one of ${APPROVER_GROUPS.join(', ')}`,
});

/** One step of an approval policy: who may approve and how many of them must. */
export const approvalStepSchema = z.object({
  name: name('name', 100),
  approverIds: ids('approverIds', 'user', 50).default([]),
  group: approverGroupSchema.nullable().default(null),
  /** How many approvals the step needs: a number, or `all` of its approvers. */
  quorum: z
    .union([z.number().int().min(1, 'quorum must be at least 1').max(50), z.literal('all')], {
      error: 'quorum must be a number of approvers or "all"',
    })
    .default(1),
  /**
   * Decided by the change advisory board in a meeting (cab.addDecision), as one decision that
   * closes the step whatever its quorum; its approvers are the board, who cannot decide it alone.
   * Absent: false (steps stored before CAB steps existed have no such key).
   */
  cab: z.boolean({ error: 'cab must be true or false' }).optional(),
});
export type ApprovalStep = z.infer<typeof approvalStepSchema>;

/** The fields of an approval policy, without defaults (`.partial()` is a patch). */
export const approvalPolicyFields = z.object({
  name: name('name', 100),
  /** Lower first: the first enabled policy that matches a change decides its steps. */
  priority: z.number().int().min(0).max(10_000),
  /** Change types it applies to; empty: every type. */
  changeTypes: z.array(changeTypeSchema).max(3),
  /** It applies from this risk up; null: any risk. */
  minRisk: riskLevelSchema.nullable(),
  /** It applies when the change touches one of these tags; empty: any change. */
  tags: z.array(tag).max(50),
  steps: z
    .array(approvalStepSchema)
    .min(1, 'steps must hold at least one step')
    .max(10, 'steps holds at most 10'),
  enabled: z.boolean(),
});
export const approvalPolicyCreateInput = approvalPolicyFields.extend({
  priority: approvalPolicyFields.shape.priority.default(100),
  changeTypes: approvalPolicyFields.shape.changeTypes.default([]),
  minRisk: approvalPolicyFields.shape.minRisk.default(null),
  tags: approvalPolicyFields.shape.tags.default([]),
  enabled: approvalPolicyFields.shape.enabled.default(true),
});
export type ApprovalPolicyInput = z.infer<typeof approvalPolicyCreateInput>;
export const approvalPolicyUpdateInput = approvalPolicyFields
  .partial()
  .extend({ id: z.uuid('id must be a policy id') });
export type ApprovalPolicyPatch = z.infer<typeof approvalPolicyUpdateInput>;

/** A standard-change template: what every change raised from it starts with. */
export const changeTemplateInput = z.object({
  name: name('name', 200),
  description: longText('description').default(''),
  implementationPlan: longText('implementationPlan').default(''),
  rollbackPlan: longText('rollbackPlan').default(''),
  testPlan: longText('testPlan').default(''),
  affectedTags: z.array(tag).max(50, 'affectedTags holds at most 50').default([]),
  /** The template certificate renewals are drafted from (changes.draftRenewal); at most one. */
  renewal: z.boolean({ error: 'renewal must be true or false' }).default(false),
});
export type ChangeTemplateInput = z.infer<typeof changeTemplateInput>;

/** A delegation: `delegateId` also receives `approverId`'s approvals between the two instants. */
export const delegationInput = z.object({
  /** Whose approvals are delegated; omitted: the caller's own. */
  approverId: z.uuid('approverId must be a user id').optional(),
  delegateId: z.uuid('delegateId must be a user id'),
  startsAt: instant('startsAt'),
  endsAt: instant('endsAt'),
  reason: text('reason').max(500, 'reason must be at most 500 characters').optional(),
});

/** Refuses a delegation that ends at or before it starts, naming endsAt. */
export function refineDelegationWindow(value: { startsAt: Date; endsAt: Date }, ctx: z.RefinementCtx): void {
  if (value.endsAt <= value.startsAt)
    ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'endsAt must be after startsAt' });
}

export const APPROVAL_DECISIONS = ['approve', 'reject'] as const;
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];

/** One approver's decision on one approval request (also the outbox's `approval.decide`). */
export const approvalDecisionInput = z.object({
  requestId: z.uuid('requestId must be an approval request id'),
  decision: z.enum(APPROVAL_DECISIONS, { error: 'decision must be approve or reject' }),
  /** Required to reject: the requester reads why. */
  comment: commentSchema.optional(),
  /** The change revision the approver saw; a newer one means it was edited since: a conflict. */
  revision: z.number().int().min(1).optional(),
  /** Whose approval this is, when deciding as a delegate and more than one approver could be meant. */
  onBehalfOf: z.uuid('onBehalfOf must be a user id').optional(),
});
export type ApprovalDecisionInput = z.infer<typeof approvalDecisionInput>;
