import { z } from 'zod';
import { APPROVAL_DECISIONS, changeTagSchema, commentSchema } from './change-inputs.ts';
import { riskLevelSchema } from './change-risk.ts';
import { changeTypeSchema } from './change-states.ts';
import { instant, text } from './safe-input.ts';

/**
 * Change advisory board meetings as people plan them: a date, attendees, the filter that fills
 * the agenda from submitted changes, and the board's decision on each change of it, which acts as
 * the approval of that change's CAB step (a policy step with `cab: true`).
 */

export const CAB_MEETING_STATES = ['planned', 'closed', 'cancelled'] as const;
export type CabMeetingState = (typeof CAB_MEETING_STATES)[number];

/** Which submitted changes the agenda holds; every part given must match. */
export const cabAgendaFilterSchema = z.object({
  /** Change types; empty: every type. */
  types: z.array(changeTypeSchema).max(3).default([]),
  /** From this risk up; null: any risk. */
  minRisk: riskLevelSchema.nullable().default(null),
  /** Changes touching a host with (or naming) one of these tags; empty: any change. */
  tags: z.array(changeTagSchema).max(50, 'filter.tags holds at most 50').default([]),
  /** Submitted before this instant; null: before the meeting starts. */
  submittedBefore: instant('filter.submittedBefore').nullable().default(null),
});
export type CabAgendaFilter = z.infer<typeof cabAgendaFilterSchema>;

const title = text('title')
  .trim()
  .min(1, 'title must not be empty')
  .max(200, 'title must be at most 200 characters');
const attendeeIds = z
  .array(z.uuid('attendeeIds must hold user ids'))
  .max(100, 'attendeeIds holds at most 100');

export const cabMeetingCreateInput = z.object({
  title,
  startsAt: instant('startsAt'),
  endsAt: instant('endsAt'),
  attendeeIds: attendeeIds.default([]),
  filter: cabAgendaFilterSchema.default({ types: [], minRisk: null, tags: [], submittedBefore: null }),
});
export type CabMeetingInput = z.infer<typeof cabMeetingCreateInput>;

/** An edit of a planned meeting; `state` closes it (minutes final) or cancels it. */
export const cabMeetingUpdateInput = z.object({
  id: z.uuid('id must be a meeting id'),
  title: title.optional(),
  startsAt: instant('startsAt').optional(),
  endsAt: instant('endsAt').optional(),
  attendeeIds: attendeeIds.optional(),
  filter: cabAgendaFilterSchema.optional(),
  state: z.enum(['closed', 'cancelled'], { error: 'state must be closed or cancelled' }).optional(),
});
export type CabMeetingPatch = z.infer<typeof cabMeetingUpdateInput>;

/** Refuses a meeting that ends at or before it starts (when both are given), naming endsAt. */
export function refineMeetingTimes(
  value: { startsAt?: Date | undefined; endsAt?: Date | undefined },
  ctx: z.RefinementCtx,
): void {
  if (value.startsAt && value.endsAt && value.endsAt <= value.startsAt)
    ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'endsAt must be after startsAt' });
}

/** The board's decision on one change of the agenda. */
export const cabDecisionInput = z.object({
  meetingId: z.uuid('meetingId must be a meeting id'),
  changeId: z.uuid('changeId must be a change id'),
  decision: z.enum(APPROVAL_DECISIONS, { error: 'decision must be approve or reject' }),
  /** Required to reject: the requester reads why. */
  comment: commentSchema.optional(),
});
export type CabDecisionInput = z.infer<typeof cabDecisionInput>;
