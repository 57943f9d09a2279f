import { workspaceRoleSchema, type WorkspaceRole } from '@vigilo/shared/roles';
import { z } from 'zod';
import type { OnlineResult } from './changes.ts';

/**
 * The bridge's view of members, API tokens, maintenance windows and snoozes (Settings). Pure data, like contract.ts: the
 * calls (spread into contract.ts's bridgeCalls) and their answers (joined into BridgeOutputs).
 * Writes are online calls (the server decides and names each refused field), so the drafts are
 * loose on purpose: the form shows the server's own words per field.
 */

const id = z.string().min(1).max(100);
const words = (max: number) => z.string().max(max);
/** An ISO instant, or '' (the server names the field when it needs one). */
const when = words(40);

/**
 * Where a list came from: the server, or (offline) the replica, with why it cannot be changed
 * now. Pages show a replica's list read-only.
 */
export type Source = { offline: string | undefined };

/** A member, or an invitation not taken yet (only the email the admin typed). */
export type MemberView = {
  status: 'member' | 'invited';
  userId: string | null;
  email: string | null;
  name: string | null;
  role: WorkspaceRole;
  /** When a time-boxed role (auditor) ends: ISO, or ''. */
  expiresAt: string;
};

/** What an invitation gives to pass on to the invitee, shown once (built-in provider only). */
export type InvitationSetup = {
  /** The one-time code: only its hash is stored. */
  code: string;
  /** The page where the invitee enters it and chooses a password. */
  url: string;
  expiresAt: string;
};

export const memberDraftSchema = z.object({
  email: words(320),
  role: workspaceRoleSchema,
  /** ISO instant or '' (required for auditors, which the server says). */
  expiresAt: when.default(''),
});
export type MemberDraft = z.input<typeof memberDraftSchema>;

export type ApiTokenView = {
  id: string;
  name: string;
  prefix: string;
  role: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string;
  revokedAt: string;
};

export const apiTokenDraftSchema = z.object({
  name: words(200),
  role: workspaceRoleSchema,
  expiresAt: when,
});
export type ApiTokenDraft = z.input<typeof apiTokenDraftSchema>;

export type MaintenanceView = {
  id: string;
  name: string;
  hostIds: string[];
  tags: string[];
  startsAt: string;
  endsAt: string;
  repeatDays: number | null;
  inForce: boolean;
  /** Owned by an approved change: moved and removed with it, not here. */
  changeId: string | null;
};

/** A new window, or an edit of one (with its id): every field each time. */
export const maintenanceDraftSchema = z.object({
  id: id.optional(),
  name: words(1000),
  hostIds: z.array(id).max(500).default([]),
  tags: z.array(words(200)).max(50).default([]),
  startsAt: when,
  endsAt: when,
  repeatDays: z.number().int().nullable().default(null),
});
export type MaintenanceDraft = z.input<typeof maintenanceDraftSchema>;

/** A host as the pickers name it (from the replica). */
export type HostChoice = { id: string; label: string };

export type SnoozeView = {
  id: string;
  /** What it covers, in words: "db.example:5432 · rule Expiring". */
  subject: string;
  until: string;
  reason: string;
  createdBy: string;
};

const ref = z.object({ id });

/** The calls, spread into contract.ts's bridgeCalls. */
export const peopleAdminCalls = {
  'members.list': { input: z.object({}) },
  'members.invite': { input: memberDraftSchema },
  'members.setRole': { input: memberDraftSchema },
  'members.remove': { input: z.object({ email: words(320) }) },
  'apiTokens.list': { input: z.object({}) },
  'apiTokens.create': { input: apiTokenDraftSchema },
  'apiTokens.revoke': { input: ref },
  'maintenance.list': { input: z.object({}) },
  'maintenance.save': { input: maintenanceDraftSchema },
  'maintenance.cancel': { input: ref },
  'snoozes.list': { input: z.object({}) },
  'snoozes.lift': { input: ref },
} as const;

/** Their answers, joined into contract.ts's BridgeOutputs. */
export type PeopleAdminOutputs = {
  'members.list': OnlineResult<{ members: MemberView[] } & Source>;
  'members.invite': OnlineResult<{ email: string; setup: InvitationSetup | null }>;
  'members.setRole': OnlineResult;
  'members.remove': OnlineResult<{ status: 'removed' | 'withdrawn' }>;
  'apiTokens.list': OnlineResult<{ tokens: ApiTokenView[] }>;
  'apiTokens.create': OnlineResult<{ id: string; token: string; prefix: string }>;
  'apiTokens.revoke': OnlineResult;
  'maintenance.list': OnlineResult<{ windows: MaintenanceView[] }> & { hosts: HostChoice[] };
  'maintenance.save': OnlineResult<{ id: string }>;
  'maintenance.cancel': OnlineResult;
  'snoozes.list': OnlineResult<{ snoozes: SnoozeView[] } & Source>;
  'snoozes.lift': OnlineResult;
};
