import { z } from 'zod';
import { isTimeZone, parseHandoffTime, type RotationLayer, type ScheduleOverride } from './rotation.ts';
import { instant, text } from './safe-input.ts';

/**
 * On-call as people give it and as the server stores it: schedules of rotation layers, overrides,
 * escalation policies and the routes from alert rules and host tags to them. One declaration for
 * the server's procedures and the desktop's forms; the math is shared/src/rotation.ts.
 */

const name = text('name')
  .trim()
  .min(1, 'name must not be empty')
  .max(100, 'name must be at most 100 characters');
const description = text('description').max(2000, 'description must be at most 2000 characters');

/** The lengths a layer's turns can have (custom: a whole number of hours). */
export const SHIFT_LENGTH_KINDS = ['daily', 'weekly', 'hours'] as const;
export const shiftLengthSchema = z.discriminatedUnion(
  'kind',
  [
    z.object({ kind: z.literal('daily') }),
    z.object({ kind: z.literal('weekly') }),
    z.object({
      kind: z.literal('hours'),
      hours: z
        .number({ error: 'length.hours must be a whole number from 1 to 672' })
        .int('length.hours must be a whole number from 1 to 672')
        .min(1, 'length.hours must be a whole number from 1 to 672')
        .max(672, 'length.hours must be a whole number from 1 to 672'),
    }),
  ],
  { error: `length.kind must be one of ${SHIFT_LENGTH_KINDS.join(', ')}` },
);

export const timeZoneSchema = text('timeZone').refine(isTimeZone, {
  message: 'timeZone must be an IANA time zone such as Europe/Berlin',
});
export const handoffTimeSchema = text('handoffTime').refine((v) => parseHandoffTime(v) !== null, {
  message: 'handoffTime must be HH:MM (24-hour)',
});

/** One rotation layer's fields (without the schedule it belongs to). */
export const layerFields = z.object({
  name: name.default('Layer'),
  level: z
    .number({ error: 'level must be a whole number from 0 to 100' })
    .int('level must be a whole number from 0 to 100')
    .min(0, 'level must be a whole number from 0 to 100')
    .max(100, 'level must be a whole number from 0 to 100')
    .default(0),
  memberIds: z
    .array(z.uuid('memberIds must hold user ids'), { error: 'memberIds must be a list of user ids' })
    .min(1, 'memberIds must name at least one member')
    .max(50, 'memberIds holds at most 50 members'),
  length: shiftLengthSchema,
  handoffTime: handoffTimeSchema,
  timeZone: timeZoneSchema,
  startsAt: instant('startsAt'),
  endsAt: instant('endsAt').nullable().default(null),
});
export type LayerInput = z.output<typeof layerFields>;

/** Refuses a range that ends at or before it starts (when both are given), naming endsAt. */
export function refineRange(
  value: { startsAt?: Date | undefined; endsAt?: Date | null | undefined },
  ctx: z.RefinementCtx,
): void {
  if (value.startsAt && value.endsAt && value.endsAt <= value.startsAt)
    ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'endsAt must be after startsAt' });
}

export const overrideFields = z
  .object({
    userId: z.uuid('userId must be a user id'),
    startsAt: instant('startsAt'),
    endsAt: instant('endsAt'),
    reason: text('reason').max(500, 'reason must be at most 500 characters').default(''),
  })
  .superRefine(refineRange);
export type OverrideInput = z.output<typeof overrideFields>;

export const scheduleFields = z.object({ name, description: description.default('') });

// ─── escalation policies ─────────────────────────────────────────────────────────────────────────

/** Who a step notifies. Adding a kind fails to compile until the engine pages it. */
export const ESCALATION_TARGET_KINDS = ['schedule', 'members', 'channel'] as const;
export type EscalationTargetKind = (typeof ESCALATION_TARGET_KINDS)[number];

export const escalationTargetSchema = z.discriminatedUnion(
  'kind',
  [
    /** Whoever is on call in the schedule when the step fires. */
    z.object({ kind: z.literal('schedule'), scheduleId: z.uuid('scheduleId must be a schedule id') }),
    z.object({
      kind: z.literal('members'),
      userIds: z
        .array(z.uuid('userIds must hold user ids'))
        .min(1, 'userIds must name at least one member')
        .max(20, 'userIds holds at most 20 members'),
    }),
    z.object({ kind: z.literal('channel'), channelId: z.uuid('channelId must be a channel id') }),
  ],
  { error: `target kind must be one of ${ESCALATION_TARGET_KINDS.join(', ')}` },
);
export type EscalationTarget = z.infer<typeof escalationTargetSchema>;

export const escalationStepSchema = z.object({
  targets: z
    .array(escalationTargetSchema, { error: 'targets must be a list' })
    .min(1, 'targets must name at least one target')
    .max(10, 'targets holds at most 10'),
  /** Minutes before the next step (or the next round) fires if nobody acknowledged. */
  waitMinutes: z
    .number({ error: 'waitMinutes must be a whole number from 1 to 1440' })
    .int('waitMinutes must be a whole number from 1 to 1440')
    .min(1, 'waitMinutes must be a whole number from 1 to 1440')
    .max(1440, 'waitMinutes must be a whole number from 1 to 1440'),
});
export type EscalationStep = z.infer<typeof escalationStepSchema>;

export const escalationPolicyFields = z.object({
  name,
  description: description.default(''),
  steps: z
    .array(escalationStepSchema, { error: 'steps must be a list' })
    .min(1, 'steps must hold at least one step')
    .max(20, 'steps holds at most 20'),
  /** How many more times the whole policy runs after its last step. */
  repeatCount: z
    .number({ error: 'repeatCount must be a whole number from 0 to 10' })
    .int('repeatCount must be a whole number from 0 to 10')
    .min(0, 'repeatCount must be a whole number from 0 to 10')
    .max(10, 'repeatCount must be a whole number from 0 to 10')
    .default(0),
});
export type EscalationPolicyInput = z.output<typeof escalationPolicyFields>;

/** What a route is keyed by: one alert rule, or every host with one tag. */
export const routeKeySchema = z.union([
  z.object({ ruleId: z.uuid('ruleId must be an alert rule id') }),
  z.object({
    tag: text('tag').trim().min(1, 'tag must not be empty').max(64, 'tag must be at most 64 characters'),
  }),
]);

/** The states an escalation moves through. */
export const ESCALATION_STATES = ['active', 'acknowledged', 'resolved', 'exhausted'] as const;
export type EscalationState = (typeof ESCALATION_STATES)[number];

// ─── rows to rotation math ───────────────────────────────────────────────────────────────────────

/** A schedule_layers row as the server and the replica hold it (snake_case, JSON dates). */
export type LayerRow = {
  id: string;
  level: number;
  member_ids: readonly string[];
  length_kind: string;
  length_hours: number | null;
  handoff_time: string;
  time_zone: string;
  starts_at: Date | string;
  ends_at: Date | string | null;
};
export type OverrideRow = {
  id: string;
  user_id: string;
  starts_at: Date | string;
  ends_at: Date | string;
  created_at?: Date | string;
};

/** The rotation math's view of a layer row. */
export function layerOfRow(row: LayerRow): RotationLayer {
  const length =
    row.length_kind === 'hours'
      ? { kind: 'hours' as const, hours: row.length_hours ?? 24 }
      : row.length_kind === 'weekly'
        ? { kind: 'weekly' as const }
        : { kind: 'daily' as const };
  return {
    id: row.id,
    level: row.level,
    members: row.member_ids,
    length,
    handoffTime: row.handoff_time,
    timeZone: row.time_zone,
    startsAt: new Date(row.starts_at),
    endsAt: row.ends_at === null ? null : new Date(row.ends_at),
  };
}

/** The rotation math's view of override rows, oldest first (so a later one wins). */
export function overridesOfRows(rows: readonly OverrideRow[]): ScheduleOverride[] {
  return [...rows]
    .sort((a, b) => new Date(a.created_at ?? 0).getTime() - new Date(b.created_at ?? 0).getTime())
    .map((r) => ({
      id: r.id,
      userId: r.user_id,
      startsAt: new Date(r.starts_at),
      endsAt: new Date(r.ends_at),
    }));
}

// ─── shift starts ────────────────────────────────────────────────────────────────────────────────

/**
 * A shift start as desktops receive it: the shift_starts row (server migration 0026) holding the
 * latest hand-off of one schedule to a member, written by the server's shift-change job with its
 * schedule.shift_changed event, replicated with `read`, and read by the desktop's notification
 * policy to tell that member, and only that member, that they are on call. Declared here once so
 * the job's columns and the policy's reading cannot drift apart. Instants are ISO text, as JSON
 * carries them.
 */
export const shiftStartRowSchema = z.object({
  schedule_id: z.string(),
  user_id: z.string(),
  previous_user_id: z.string().nullable(),
  starts_at: z.iso.datetime({ offset: true }),
  ends_at: z.iso.datetime({ offset: true }),
});
export type ShiftStartRow = z.infer<typeof shiftStartRowSchema>;

/** The replicated table of shift starts (server/src/sync/tables.ts lists it). */
export const SHIFT_START_TABLE = 'shift_starts';
