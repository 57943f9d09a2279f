import type { ChainCertificate, LatestScan } from '@vigilo/shared/host-history';
import { z } from 'zod';

export type { ChainCertificate, LatestScan } from '@vigilo/shared/host-history';

/**
 * The bridge's part for the "Certificates and hosts" screen: filters, rows, the host detail and
 * the grade history. Pure data (no Node, no DOM): the core and the renderer both import it.
 */

/** How soon a host's certificate expires: dark red, red (< 7 days), amber (7–30), green (> 30). */
export const EXPIRY_BANDS = ['expired', 'under-7', '7-30', 'over-30', 'unknown'] as const;
export type ExpiryBand = (typeof EXPIRY_BANDS)[number];

export const hostFilterSchema = z.object({
  /** Matched against hostname, tags and the certificate subject, case-insensitively. */
  text: z.string().max(200).optional(),
  tag: z.string().max(100).optional(),
  grade: z.string().max(4).optional(),
  band: z.enum(EXPIRY_BANDS).optional(),
  paused: z.boolean().optional(),
});
export type HostFilter = z.input<typeof hostFilterSchema>;

/** One line of the host list. */
export type HostRow = {
  id: string;
  hostname: string;
  port: number;
  grade: string | null;
  /** The leaf certificate's not_after (ISO), when a certificate was seen. */
  notAfter: string | null;
  /** Whole days until expiry; once expired, whole days since, negated (0 on the day); null without a certificate. */
  daysLeft: number | null;
  band: ExpiryBand;
  tags: string[];
  subject: string | null;
  paused: boolean;
  /** null until the host was scanned once. */
  reachable: boolean | null;
  /** Latest end of an active host-wide snooze (including one still waiting to be sent). */
  snoozedUntil: string | null;
  openAlerts: number;
  /** True while one of this host's actions waits in the outbox. */
  pending: boolean;
  /** True when no agent is assigned to scan it (the list flags it). */
  unassigned: boolean;
};

/** One UTC day of a host's scans (server: hosts.history). */
export type GradePoint = { day: string; grade: string | null; reachable: boolean | null; scans: number };

/** The last hosts.history answer kept in the replica, with when it was fetched. */
export type GradeHistory = {
  hostId: string;
  days: number;
  fetchedAt: string;
  points: GradePoint[];
  latest: LatestScan | null;
};

export type HostDetail = HostRow & {
  protocol: string | null;
  intervalS: number | null;
  /** The leaf certificate from the replicated inventory (available offline from the first sync). */
  certificate: (ChainCertificate & { issuerCn: string | null; sans: string[]; serial: string }) | null;
  /** The cached history (chain, posture, sparkline), or undefined when never fetched. */
  history: GradeHistory | undefined;
};

/** A refresh of the grade history: from the server when online, else the cached answer and why. */
export type HistoryRefresh = {
  history: GradeHistory | undefined;
  source: 'server' | 'cache';
  /** Why the server was not asked or did not answer, in plain words. */
  error: string | undefined;
};

export const addHostSchema = z.object({
  hostname: z.string().trim().min(1, 'hostname must not be empty').max(253),
  port: z.number().int().min(1, 'port must be 1–65535').max(65535, 'port must be 1–65535').default(443),
  tags: z.array(z.string().max(64)).max(20).default([]),
  /**
   * The agent that scans it (the form's picker, which starts on the workspace's default agent).
   * Omitted: the server picks the default agent, or the only agent; null: no agent (warned).
   */
  agentId: z.string().min(1).max(100).nullable().optional(),
});
export type AddHost = z.input<typeof addHostSchema>;

/**
 * Adding a host needs the server: refused or unreachable is an answer, not a crash. Added, it
 * names the agent that scans it, and `warning` says so in words when none will. Refused, the
 * server's words per field are in `fieldErrors` (e.g. `hostname`), when it named fields.
 */
export type AddHostResult =
  | { ok: true; id: string; agentId: string | null; warning: string | undefined }
  | {
      ok: false;
      reason: 'offline' | 'signed_out' | 'refused';
      message: string;
      fieldErrors?: Record<string, string>;
    };
