/**
 * The bridge's view of on-call: schedules, overrides, escalation policies. Pure data, like contract.ts: the
 * calls (spread into contract.ts's bridgeCalls) and their answers (joined into BridgeOutputs).
 *
 * The overview is read from the replica (schedules, layers, overrides, policies and routes are
 * replicated rows) and computed with the shared rotation math, so the page opens offline; the
 * writes are online calls whose refusals carry the server's words per field. Drafts are loose on
 * purpose: the server names what is wrong.
 */
import { z } from 'zod';
import type { OnlineResult, Person } from './changes.ts';

const id = z.string().min(1).max(100);
const words = (max: number) => z.string().max(max);
/** An ISO instant, or '' (the server names the field when it needs one). */
const when = words(40);

/** A rotation made in one go: a schedule with one layer of members taking turns. */
export const rotationDraftSchema = z.object({
  name: words(1000),
  memberIds: z.array(id).max(50),
  length: z.enum(['daily', 'weekly', 'hours']),
  hours: z.number().int().optional(),
  handoffTime: words(10),
  timeZone: words(100),
  startsAt: when,
});
export type RotationDraft = z.input<typeof rotationDraftSchema>;

export const overrideDraftSchema = z.object({
  scheduleId: id,
  userId: words(100),
  startsAt: when,
  endsAt: when,
  reason: words(1000).default(''),
});
export type OverrideDraft = z.input<typeof overrideDraftSchema>;

export const targetDraftSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('schedule'), scheduleId: words(100) }),
  z.object({ kind: z.literal('members'), userIds: z.array(words(100)).max(20) }),
  z.object({ kind: z.literal('channel'), channelId: words(100) }),
]);
export type TargetDraft = z.infer<typeof targetDraftSchema>;

/** A new policy, or an edit of one (with its id): the whole policy each time. */
export const policyDraftSchema = z.object({
  id: id.optional(),
  name: words(1000),
  steps: z
    .array(z.object({ targets: z.array(targetDraftSchema).max(10), waitMinutes: z.number().int() }))
    .max(20),
  repeatCount: z.number().int().default(0),
});
export type EscalationPolicyDraft = z.input<typeof policyDraftSchema>;

export const routeDraftSchema = z.object({
  ruleId: id,
  policyId: id.nullable(),
  channelIds: z.array(id).max(20).default([]),
});

export type ShiftView = { userId: string | null; name: string; start: string; end: string };
export type ScheduleSummary = {
  id: string;
  name: string;
  /** Who is on call now; undefined: nobody (a gap). */
  onCallNow: Person | undefined;
  /** Until when the person on call now is on call. */
  onCallUntil: string;
  layers: Array<{
    id: string;
    name: string;
    members: Person[];
    length: string;
    handoffTime: string;
    timeZone: string;
  }>;
  overrides: Array<{ id: string; who: Person; startsAt: string; endsAt: string; reason: string }>;
  /** The next shifts, from now. */
  upcoming: ShiftView[];
  /** Stretches of the next two weeks with nobody on call. */
  gaps: Array<{ start: string; end: string }>;
};
export type PolicyStepView = { waitMinutes: number; targets: string[]; draft: TargetDraft[] };
export type PolicySummary = { id: string; name: string; repeatCount: number; steps: PolicyStepView[] };

export type OncallOverview = {
  me: string | undefined;
  schedules: ScheduleSummary[];
  /** My next shifts across schedules. */
  myShifts: Array<ShiftView & { schedule: string }>;
  policies: PolicySummary[];
  /** Alert rules and where each routes. */
  rules: Array<{ id: string; name: string; policyId: string | null; channelIds: string[] }>;
  channels: Array<{ id: string; name: string }>;
  people: Person[];
  /** Latest pages addressed to me, newest first. */
  myPages: Array<{ id: string; alertId: string; summary: string; pagedAt: string }>;
};

/** The calls, spread into contract.ts's bridgeCalls. */
export const oncallCalls = {
  'oncall.overview': { input: z.object({}) },
  'oncall.createRotation': { input: rotationDraftSchema },
  'oncall.addOverride': { input: overrideDraftSchema },
  'oncall.removeOverride': { input: z.object({ id }) },
  'oncall.savePolicy': { input: policyDraftSchema },
  'oncall.removePolicy': { input: z.object({ id }) },
  'oncall.route': { input: routeDraftSchema },
} as const;

/** Their answers, joined into contract.ts's BridgeOutputs. */
export type OncallOutputs = {
  'oncall.overview': OncallOverview;
  'oncall.createRotation': OnlineResult<{ id: string }>;
  'oncall.addOverride': OnlineResult<{ id: string }>;
  'oncall.removeOverride': OnlineResult;
  'oncall.savePolicy': OnlineResult<{ id: string }>;
  'oncall.removePolicy': OnlineResult;
  'oncall.route': OnlineResult;
};
