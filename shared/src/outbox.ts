import { z } from 'zod';
import { approvalDecisionInput } from './change-inputs.ts';
import { incidentStateSchema } from './incident-states.ts';
import type { Permission } from './roles.ts';

/**
 * The desktop↔server outbox contract: every action a desktop may take offline, with who may
 * take it, its arguments on the wire and its name in words; the reasons a server may refuse one;
 * and the snooze presets both sides count with. The one declaration of the kinds: the server's
 * handlers (server/src/sync/mutations.ts), the desktop's bridge actions and local effects
 * (desktop/src/bridge/contract.ts, desktop/src/core/outbox/) are exhaustive maps over
 * {@link OUTBOX}, so a kind added here fails to compile until every side handles it.
 */

/** The snooze presets, longest last; both sides count "until" from them. */
export const SNOOZE_PRESET_NAMES = ['1h', '1d', '1w'] as const;
export type SnoozePreset = (typeof SNOOZE_PRESET_NAMES)[number];
/** How long each snooze preset lasts, in milliseconds. */
export const SNOOZE_PRESETS: Readonly<Record<SnoozePreset, number>> = {
  '1h': 3_600_000,
  '1d': 86_400_000,
  '1w': 604_800_000,
};
export const snoozePresetSchema = z.enum(SNOOZE_PRESET_NAMES, { error: 'duration must be 1h, 1d or 1w' });

/**
 * Why a server refused an outbox entry. A conflict is an expected outcome, not a bug: the
 * desktop rolls its optimistic change back and explains the reason in plain words.
 */
export const CONFLICT_REASONS = [
  /** The caller's role no longer allows this action (it may have changed while offline). */
  'forbidden',
  /** The target no longer exists. */
  'not_found',
  /** The target changed since the client last saw it (optimistic concurrency). */
  'stale',
  /** Someone or something already decided it (resolved, acknowledged by another, approved). */
  'already_decided',
  /** The arguments are invalid; `message` names the field. */
  'invalid',
  /** The kind is unknown to this server (an older server, a newer client). */
  'unknown_kind',
] as const;
export type ConflictReason = (typeof CONFLICT_REASONS)[number];
export const conflictReasonSchema = z.enum(CONFLICT_REASONS);

/** What one outbox entry came to on the server; stored as its receipt and returned on every retry. */
export type OutboxResult =
  | { status: 'applied'; value: Record<string, unknown> }
  | { status: 'conflict'; reason: ConflictReason; message: string };

/** One kind of outbox action. */
export type OutboxKindSpec<K extends string, A extends z.ZodObject> = {
  name: K;
  /** The role permission the server checks when it applies the entry (shared/src/roles.ts). */
  permission: Permission;
  /** What the action is, in words, to finish "Your … was not applied". */
  label: string;
  /** Its arguments as the server receives them. */
  args: A;
  /** The `{ kind, args }` schema of one entry of this kind. */
  entry: z.ZodObject<{ kind: z.ZodLiteral<K>; args: A }>;
};

function kind<const K extends string, A extends z.ZodObject>(
  name: K,
  spec: { permission: Permission; label: string; args: A },
): OutboxKindSpec<K, A> {
  return { name, ...spec, entry: z.object({ kind: z.literal(name), args: spec.args }) };
}

// Server ids are UUIDs: a malformed one is refused at the bridge by name, instead of waiting in
// the outbox to come back as a conflict.
const alertId = z.uuid('alertId must be an alert id');
const hostId = z.uuid('hostId must be a host id');
const incidentId = z.uuid('incidentId must be an incident id');
const note = z.string().max(2000, 'note must be at most 2000 characters').optional();
const reason = z.string().max(500, 'reason must be at most 500 characters').optional();

/** Every kind of outbox action, by name. */
export const OUTBOX = {
  'alert.acknowledge': kind('alert.acknowledge', {
    permission: 'operate',
    label: 'acknowledgement',
    args: z.object({ alertId, note }),
  }),
  'alert.snooze': kind('alert.snooze', {
    permission: 'operate',
    label: 'snooze',
    args: z.object({ alertId, duration: snoozePresetSchema, reason }),
  }),
  'alert.resolve': kind('alert.resolve', {
    permission: 'operate',
    label: 'resolution',
    args: z.object({ alertId, note }),
  }),
  'alert.comment': kind('alert.comment', {
    permission: 'operate',
    label: 'comment',
    args: z.object({
      alertId,
      /** Chosen by the desktop: the comment's id on the server too, so a retry is the same comment. */
      commentId: z.uuid('commentId must be a uuid'),
      body: z
        .string()
        .trim()
        .min(1, 'body must not be empty')
        .max(4000, 'body must be at most 4000 characters'),
    }),
  }),
  'workspace.rename': kind('workspace.rename', {
    permission: 'administer',
    label: 'rename of the workspace',
    args: z.object({
      name: z
        .string()
        .trim()
        .min(1, 'name must not be empty')
        .max(100, 'name must be at most 100 characters'),
      /** The name the client saw when it made the change; a different current name is a conflict. */
      expectedName: z.string().optional(),
    }),
  }),
  // An approver's decision, offline too: refused as a conflict in words when the change moved on.
  'approval.decide': kind('approval.decide', {
    permission: 'approve',
    label: 'approval decision',
    args: approvalDecisionInput,
  }),
  'host.pause': kind('host.pause', {
    permission: 'operate',
    label: 'pause of a host',
    args: z.object({ hostId }),
  }),
  'host.resume': kind('host.resume', {
    permission: 'operate',
    label: 'resumption of a host',
    args: z.object({ hostId }),
  }),
  'host.snooze': kind('host.snooze', {
    permission: 'operate',
    label: 'snooze of a host',
    args: z.object({ hostId, duration: snoozePresetSchema, reason }),
  }),
  // The on-call engineer, offline: what they found and what state the incident is in.
  'incident.note': kind('incident.note', {
    permission: 'operate',
    label: 'note on an incident',
    args: z.object({
      incidentId,
      /** Chosen by the client: the note's id on the server too, so a retry is the same note. */
      noteId: z.uuid('noteId must be a uuid'),
      body: z
        .string()
        .trim()
        .min(1, 'body must not be empty')
        .max(4000, 'body must be at most 4000 characters'),
    }),
  }),
  'incident.transition': kind('incident.transition', {
    permission: 'operate',
    label: 'change of an incident’s state',
    args: z.object({
      incidentId,
      to: incidentStateSchema,
      /** The state the client saw: a different current state is a conflict, not a blind move. */
      expectedState: incidentStateSchema.optional(),
      note: z
        .string()
        .trim()
        .min(1, 'note must not be empty')
        .max(4000, 'note must be at most 4000 characters')
        .optional(),
    }),
  }),
};
export type OutboxKind = keyof typeof OUTBOX;

// Each key names its own kind: a key and a literal that disagree would give one action two names.
const _keysNameTheirKinds: { [K in OutboxKind]: { name: K } } = OUTBOX;

/** A list known not to be empty, as zod's unions want their options. */
export function nonEmpty<T>(items: readonly T[]): [T, ...T[]] {
  const [first, ...rest] = items;
  if (first === undefined) throw new Error('an empty list where at least one item is required');
  return [first, ...rest];
}

/** Every kind's name. */
export const OUTBOX_KINDS: readonly OutboxKind[] = Object.values(OUTBOX).map((k) => k.name);
export const outboxKindSchema = z.literal(nonEmpty(OUTBOX_KINDS), {
  error: `kind must be one of ${OUTBOX_KINDS.join(', ')}`,
});

/** One outbox entry with its arguments checked: kind and arguments correlated. */
export const outboxEntrySchema = z.discriminatedUnion(
  'kind',
  nonEmpty(Object.values(OUTBOX).map((k) => k.entry)),
);
export type OutboxEntry = z.output<typeof outboxEntrySchema>;
export type OutboxEntryInput = z.input<typeof outboxEntrySchema>;
/** The arguments of one kind, as parsed. */
export type OutboxArgs<K extends OutboxKind> = z.output<(typeof OUTBOX)[K]['args']>;
/** The arguments of one kind, as a program hands them over. */
export type OutboxArgsInput<K extends OutboxKind> = z.input<(typeof OUTBOX)[K]['args']>;

const pushEnvelope = z.object({
  clientId: z.uuid('clientId must be a UUID'),
  kind: z.string().regex(/^[a-z_]+(\.[a-z_]+)+$/, 'kind looks like alert.acknowledge'),
  args: z.unknown(),
});
/** A sync.push entry once its envelope is checked (its kind and arguments are not yet). */
export type PushEntry = z.output<typeof pushEnvelope>;
/** What a client sends to sync.push for one entry: its client id and a known kind with its arguments. */
export type PushEntryInput = OutboxEntryInput & { clientId: string };

/**
 * One sync.push entry on the wire. Its type is the exact union, so a program that sends one is
 * checked at compile time. At run time only the envelope is checked here; the server checks the
 * kind and its arguments per entry (server/src/sync/apply.ts), so an entry from a newer desktop
 * or with arguments this server cannot take becomes that entry's stored conflict instead of
 * refusing the whole batch (and holding every entry behind it in the outbox).
 */
export const pushEntrySchema = z.custom<PushEntryInput>().transform((value, ctx): PushEntry => {
  const parsed = pushEnvelope.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ ...issue });
  return z.NEVER;
});
