import { z } from 'zod';
import type { OnlineResult } from './changes.ts';

/**
 * The bridge's view of SLOs and public status pages. Pure data, like contract.ts: the calls
 * (spread into contract.ts's bridgeCalls) and their answers (joined into BridgeOutputs). All
 * online: the server evaluates SLOs and serves the pages; the drafts are loose on purpose so the
 * forms show the server's own words per field (an objective of 100, a taken slug).
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
  good: number;
  total: number;
  attainment: number | null;
  budgetRemaining: number;
  burnRates: { '5': number; '30': number; '60': number; '360': number };
  firing: Array<'page' | 'ticket'>;
  evaluatedAt: string;
};

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

export type StatusPageSummary = {
  id: string;
  slug: string;
  title: string;
  description: string;
  /** The public address, to open in a browser. */
  url: string;
  components: Array<{ id: string; publicName: string; hostId: string | null; tag: string | null }>;
  activeNotices: number;
};

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
} as const;

/** Their answers, joined into contract.ts's BridgeOutputs. */
export type ReliabilityOutputs = {
  'slos.list': OnlineResult<{ slos: SloView[] }>;
  'slos.save': OnlineResult<{ id: string }>;
  'slos.remove': OnlineResult;
  'statusPages.list': OnlineResult<{ pages: StatusPageSummary[] }>;
  'statusPages.save': OnlineResult<{ id: string; url: string }>;
  'statusPages.remove': OnlineResult;
  'statusPages.setComponents': OnlineResult;
};
