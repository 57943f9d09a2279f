import { NOTICE_KINDS, type NoticeKind, type NoticeUpdateStatus } from '@vigilo/shared/status-page';
import { z } from 'zod';
import type { OnlineResult } from './changes.ts';
import type { Source } from './people-admin.ts';

/**
 * The bridge's view of SLOs and public status pages. Pure data, like contract.ts: the calls
 * (spread into contract.ts's bridgeCalls) and their answers (joined into BridgeOutputs). Online:
 * the server evaluates SLOs and serves the pages; offline only the SLO list answers, from the
 * replica. The drafts are loose on purpose so the forms show the server's own words per field (an
 * objective of 100, a taken slug).
 */

const id = z.string().min(1).max(100);
const words = (max: number) => z.string().max(max);

/** A new SLO, or an edit of one (with its id: kind and scope stay as created). */
export const sloDraftSchema = z.object({
  id: id.optional(),
  name: words(1000),
  kind: z.enum(['availability', 'latency']).default('availability'),
  /** A host id, or a tag, as the scope. */
  hostId: words(100).default(''),
  tag: words(200).default(''),
  objective: z.number(),
  windowDays: z.number().int(),
  thresholdMs: z.number().int().nullable().default(null),
  /** The escalation policy its burn-rate alerts page; '' routes them by tag like other alerts. */
  escalationPolicyId: words(100).default(''),
});
export type SloDraft = z.input<typeof sloDraftSchema>;

export type SloView = {
  id: string;
  name: string;
  kind: 'availability' | 'latency';
  /** In words: the host's name, or `tag <t>`. */
  scope: string;
  hostId: string | null;
  tag: string | null;
  objective: number;
  windowDays: number;
  thresholdMs: number | null;
  /** The escalation policy its burn-rate alerts page; null: routed by tag (server/src/oncall/). */
  escalationPolicyId: string | null;
  good: number;
  total: number;
  attainment: number | null;
  budgetRemaining: number;
  burnRates: { '5': number; '30': number; '60': number; '360': number };
  firing: Array<'page' | 'ticket'>;
  evaluatedAt: string;
};

/** An escalation policy an SLO can name, from the replica. */
export type PolicyChoice = { id: string; name: string };

export const statusPageDraftSchema = z.object({
  id: id.optional(),
  slug: words(200),
  title: words(1000),
  description: words(5000).default(''),
});
export type StatusPageDraft = z.input<typeof statusPageDraftSchema>;

export const componentDraftSchema = z.object({
  publicName: words(500),
  hostId: words(100).default(''),
  tag: words(200).default(''),
});
export type ComponentDraft = z.input<typeof componentDraftSchema>;

/**
 * Where a notice stands, as the page lists it: an incident not resolved (`active`), maintenance
 * not completed (`maintenance`), or one that ended in the last 14 days (`recent`, as long as the
 * public page lists it). Older ended notices are not listed.
 */
export type NoticeSection = 'active' | 'maintenance' | 'recent';

/** A published incident or maintenance, with its updates newest first. Instants are ISO. */
export type StatusNoticeView = {
  id: string;
  kind: NoticeKind;
  title: string;
  section: NoticeSection;
  componentIds: string[];
  /** The public names of the components it affects. */
  components: string[];
  startsAt: string;
  /** '' when open-ended (incidents, and maintenance without a planned end). */
  endsAt: string;
  /** '' while it has not ended. */
  endedAt: string;
  /** Its last update's status. */
  status: NoticeUpdateStatus;
  /** Maintenance whose planned end passed without being completed: the public page hides it. */
  overdue: boolean;
  updates: Array<{ id: string; status: NoticeUpdateStatus; body: string; postedAt: string }>;
};

export type StatusPageSummary = {
  id: string;
  slug: string;
  title: string;
  description: string;
  /** The public address, to open in a browser. */
  url: string;
  components: Array<{ id: string; publicName: string; hostId: string | null; tag: string | null }>;
  activeNotices: number;
  /** Active incidents newest first, then maintenance soonest first, then recent ones newest first. */
  notices: StatusNoticeView[];
};

/** An ISO instant, or '' (the server names the field when it needs one). */
const when = words(40);

/**
 * A new incident or maintenance with its first update. The status is loose on purpose: the
 * server says which statuses the kind allows, under the field.
 */
export const noticeDraftSchema = z.object({
  pageId: id,
  kind: z.enum(NOTICE_KINDS),
  title: words(1000),
  componentIds: z.array(id).max(100).default([]),
  startsAt: when,
  /** '' for none: incidents have none, maintenance may leave it open. */
  endsAt: when.default(''),
  status: words(40),
  body: words(10000),
});
export type NoticeDraft = z.input<typeof noticeDraftSchema>;

/** An update on a published notice; `resolved` or `completed` ends it. */
export const noticeUpdateDraftSchema = z.object({
  noticeId: id,
  status: words(40),
  body: words(10000),
});
export type NoticeUpdateDraft = z.input<typeof noticeUpdateDraftSchema>;

const ref = z.object({ id });

/** The calls, spread into contract.ts's bridgeCalls. */
export const reliabilityCalls = {
  'slos.list': { input: z.object({}) },
  'slos.save': { input: sloDraftSchema },
  'slos.remove': { input: ref },
  'statusPages.list': { input: z.object({}) },
  'statusPages.save': { input: statusPageDraftSchema },
  'statusPages.remove': { input: ref },
  'statusPages.setComponents': {
    input: z.object({ id, components: z.array(componentDraftSchema).max(100) }),
  },
  'statusPages.postNotice': { input: noticeDraftSchema },
  'statusPages.postUpdate': { input: noticeUpdateDraftSchema },
} as const;

/** Their answers, joined into contract.ts's BridgeOutputs. */
export type ReliabilityOutputs = {
  /** From the server, or offline from the replica (`offline` says so; the pages are read-only). */
  'slos.list': OnlineResult<{ slos: SloView[]; policies: PolicyChoice[] } & Source>;
  'slos.save': OnlineResult<{ id: string }>;
  'slos.remove': OnlineResult;
  'statusPages.list': OnlineResult<{ pages: StatusPageSummary[] }>;
  'statusPages.save': OnlineResult<{ id: string; url: string }>;
  'statusPages.remove': OnlineResult;
  'statusPages.setComponents': OnlineResult;
  'statusPages.postNotice': OnlineResult<{ id: string }>;
  'statusPages.postUpdate': OnlineResult<{ id: string }>;
};
