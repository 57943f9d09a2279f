import { AlertSeverity } from '@vigilo/shared/alert-rules';
import { CHANNEL_TYPES, type ChannelType } from '@vigilo/shared/channels';
import { z } from 'zod';
import type { OnlineResult } from './changes.ts';

/**
 * The bridge's view of alert rules and notification channels (Settings). Pure data, like contract.ts: the
 * calls (spread into contract.ts's bridgeCalls) and their answers (joined into BridgeOutputs).
 *
 * The drafts are loose on purpose: the core checks them with the shared schemas and the server
 * checks them again, and either one's words come back per field for the form to show beside it.
 */

const id = z.string().min(1).max(100);
const ref = z.object({ id });
/** A form's whole number; '' or a typo arrives as 0 and is refused in words, never as NaN. */
const count = z.number().int().min(-1_000_000_000).max(1_000_000_000);

/** What a rule tests: the kind and the one threshold that kind takes. */
export const predicateDraftSchema = z.object({
  kind: z.string().max(40),
  days: count.optional(),
  grade: z.string().max(4).optional(),
  protocol: z.string().max(10).optional(),
  scans: count.optional(),
  ms: count.optional(),
  minutes: count.optional(),
});
export type PredicateDraft = z.input<typeof predicateDraftSchema>;

/** Which hosts a rule covers: all, those with a tag, or one host. */
export const scopeDraftSchema = z.object({
  kind: z.string().max(10),
  tag: z.string().max(200).optional(),
  hostId: z.string().max(100).optional(),
});
export type ScopeDraft = z.input<typeof scopeDraftSchema>;

/** A new rule, or every field of the one named by `id`. */
export const ruleDraftSchema = z.object({
  id: id.optional(),
  name: z.string().max(1000),
  predicate: predicateDraftSchema,
  scope: scopeDraftSchema,
  severity: AlertSeverity,
  openAfter: count,
  resolveAfter: count,
  enabled: z.boolean(),
});
export type RuleDraft = z.input<typeof ruleDraftSchema>;

/** How many hosts a rule covers now, how many it fires for, and how many are not scanned yet. */
export type RuleMatchesView = { hosts: number; firing: number; unscanned: number };

export type RuleView = {
  id: string;
  name: string;
  predicate: PredicateDraft;
  scope: ScopeDraft;
  severity: AlertSeverity;
  openAfter: number;
  resolveAfter: number;
  enabled: boolean;
  /** Only from the server: the replica does not hold the hosts' scan facts a count needs. */
  matches: RuleMatchesView | undefined;
  openAlerts: number | undefined;
};

/**
 * A list read from the server (`live`), or offline from the replica: then `note` says why it
 * cannot be changed, and the page shows it read-only.
 */
export type AdminList = { live: boolean; note: string };

/** The hosts and tags the replica knows, for the scope picker. */
export type RuleTargets = {
  hosts: Array<{ id: string; label: string; tags: string[] }>;
  tags: string[];
};

/** A new channel, or an edit of one (with its id). A secret left out of `config` is kept. */
export const channelDraftSchema = z.object({
  id: id.optional(),
  name: z.string().max(1000),
  type: z.enum(CHANNEL_TYPES),
  config: z.record(z.string().max(100), z.unknown()),
  eventTypes: z.array(z.string().max(200)).max(100),
});
export type ChannelDraft = z.input<typeof channelDraftSchema>;

export type ChannelView = {
  id: string;
  name: string;
  type: ChannelType;
  /** The settings without secrets. */
  config: Record<string, unknown>;
  /** Which config fields are secrets, and whether they are set (they are never shown). */
  secretFields: readonly string[];
  secretsSet: boolean;
  eventTypes: string[];
  enabled: boolean;
  consecutiveFailures: number;
  disabledReason: string | null;
};

export type DeliveryAttemptView = {
  attempt: number;
  at: string;
  ok: boolean;
  status: number | null;
  latencyMs: number;
  reason: string | null;
  /** What answered, never what it said: "HTTP 500 (312 bytes)". */
  response: string | null;
};

export type DeliveryView = {
  id: string;
  eventSeq: number;
  eventType: string;
  /** Sent by "Send test event". */
  test: boolean;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  nextAttemptAt: string;
  completedAt: string;
  log: DeliveryAttemptView[];
};

/** The calls, spread into contract.ts's bridgeCalls. */
export const alertingAdminCalls = {
  'alertRules.list': { input: z.object({}) },
  'alertRules.targets': { input: z.object({}) },
  'alertRules.preview': { input: z.object({ predicate: predicateDraftSchema, scope: scopeDraftSchema }) },
  'alertRules.save': { input: ruleDraftSchema },
  'alertRules.remove': { input: ref },
  'channels.list': { input: z.object({}) },
  'channels.save': { input: channelDraftSchema },
  'channels.test': { input: ref },
  'channels.deliveries': { input: ref },
  'channels.setEnabled': { input: ref.extend({ enabled: z.boolean() }) },
  'channels.remove': { input: ref },
} as const;

/** Their answers, joined into contract.ts's BridgeOutputs. */
export type AlertingAdminOutputs = {
  'alertRules.list': OnlineResult<AdminList & { rules: RuleView[] }>;
  'alertRules.targets': RuleTargets;
  'alertRules.preview': OnlineResult<{ matches: RuleMatchesView }>;
  'alertRules.save': OnlineResult<{ id: string }>;
  'alertRules.remove': OnlineResult;
  'channels.list': OnlineResult<AdminList & { channels: ChannelView[] }>;
  /**
   * `webhookSecret`: a new webhook's signing secret, this once. `inboundUrl`: where a PagerDuty
   * channel's V3 webhook subscription delivers acknowledgements and resolves.
   */
  'channels.save': OnlineResult<{
    id: string;
    webhookSecret: string | undefined;
    inboundUrl: string | undefined;
  }>;
  'channels.test': OnlineResult<{ deliveryId: string }>;
  'channels.deliveries': OnlineResult<{ deliveries: DeliveryView[] }>;
  'channels.setEnabled': OnlineResult;
  'channels.remove': OnlineResult;
};
