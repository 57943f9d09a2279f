import { z } from 'zod';
import { text } from './safe-input.ts';

/**
 * Service level objectives (DESIGN.md §4, issue 15): the input contract and the pure error-budget
 * and burn-rate math, shared by the server's evaluation job, its API and the desktop.
 *
 * An SLO counts scans as events. Availability: a scan is good when the host was reachable.
 * Latency: only scans that completed a handshake count, and one is good when the handshake took
 * less than `thresholdMs`. Scans inside a maintenance window are not counted at all.
 */

export const SLO_KINDS = ['availability', 'latency'] as const;
export type SloKind = (typeof SLO_KINDS)[number];

/** The rolling windows an SLO may be measured over, in days. */
export const SLO_WINDOW_DAYS = [7, 28, 30] as const;
export type SloWindowDays = (typeof SLO_WINDOW_DAYS)[number];

/**
 * The multi-window, multi-burn-rate alerts of the SRE workbook (chapter 5, "Alerting on SLOs"):
 * an alert fires when both its long and its short window burn at least `burnRate` times the rate
 * that would spend exactly the budget over the SLO window. The short window makes the alert
 * resolve soon after the burning stops instead of an hour later.
 */
export const BURN_ALERTS = [
  { kind: 'page', severity: 'critical', burnRate: 14.4, longMinutes: 60, shortMinutes: 5 },
  { kind: 'ticket', severity: 'warning', burnRate: 6, longMinutes: 360, shortMinutes: 30 },
] as const;
export type BurnAlertKind = (typeof BURN_ALERTS)[number]['kind'];

/** Every burn-rate window the alerts read, in minutes (the evaluation counts each once). */
export const BURN_WINDOW_MINUTES = [5, 30, 60, 360] as const;
export type BurnWindowMinutes = (typeof BURN_WINDOW_MINUTES)[number];

/** Good and total events in one window. */
export type EventCounts = { good: number; total: number };

const sloName = text('name')
  .trim()
  .min(1, 'name must not be empty')
  .max(200, 'name must be at most 200 characters');

/** An objective in percent, strictly between 0 and 100 (100 would leave no budget at all). */
export const sloObjective = z
  .number({ error: 'objective must be a number' })
  .gt(0, 'objective must be greater than 0 and less than 100')
  .lt(100, 'objective must be greater than 0 and less than 100');

export const sloWindowDays = z.union(
  SLO_WINDOW_DAYS.map((d) => z.literal(d)),
  { error: `windowDays must be one of ${SLO_WINDOW_DAYS.join(', ')}` },
);

/** What an SLO covers: one host, or every host carrying a tag. */
export const sloScope = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('host'), hostId: z.uuid('scope.hostId must be a host id') }),
    z.object({
      type: z.literal('tag'),
      tag: text('scope.tag').trim().min(1, 'scope.tag must not be empty').max(100),
    }),
  ],
  { error: "scope must be { type: 'host', hostId } or { type: 'tag', tag }" },
);
export type SloScope = z.infer<typeof sloScope>;

const sloFields = {
  name: sloName,
  kind: z.enum(SLO_KINDS, { error: `kind must be one of ${SLO_KINDS.join(', ')}` }),
  scope: sloScope,
  objective: sloObjective,
  windowDays: sloWindowDays,
  /** Latency SLOs only: a handshake under this many milliseconds is good. */
  thresholdMs: z
    .number({ error: 'thresholdMs must be a number' })
    .int('thresholdMs must be a whole number of milliseconds')
    .min(1, 'thresholdMs must be at least 1')
    .max(600_000, 'thresholdMs must be at most 600000')
    .nullable()
    .default(null),
  /**
   * The escalation policy its burn-rate alerts page; null: they route like other alerts, by the
   * host's tags, or by the SLO's own tag for an SLO over a tag.
   */
  escalationPolicyId: z.uuid('escalationPolicyId must be an escalation policy id').nullable().default(null),
};

/** A latency SLO needs its threshold; an availability SLO has none. */
export function refineSlo(
  v: { kind?: SloKind | undefined; thresholdMs?: number | null | undefined },
  ctx: z.RefinementCtx,
): void {
  if (v.kind === 'latency' && (v.thresholdMs ?? null) === null)
    ctx.addIssue({
      code: 'custom',
      path: ['thresholdMs'],
      message: 'thresholdMs is required for a latency SLO',
    });
  if (v.kind === 'availability' && v.thresholdMs !== null && v.thresholdMs !== undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['thresholdMs'],
      message: 'thresholdMs applies to latency SLOs only',
    });
}

export const sloCreateInput = z.object(sloFields);
export type SloCreateInput = z.infer<typeof sloCreateInput>;

export const sloUpdateInput = z.object({
  id: z.uuid('id must be an SLO id'),
  name: sloFields.name.optional(),
  objective: sloFields.objective.optional(),
  windowDays: sloFields.windowDays.optional(),
  // Not the fields' defaults: an update that leaves one out keeps the SLO's value (a latency SLO
  // renamed alone keeps its threshold, an SLO keeps its policy).
  thresholdMs: sloFields.thresholdMs.unwrap().optional(),
  escalationPolicyId: sloFields.escalationPolicyId.unwrap().optional(),
});
export type SloUpdateInput = z.infer<typeof sloUpdateInput>;

/** The share of the error budget allowed: 1 − objective (99.9 % → 0.001). */
export function allowedErrorRate(objectivePercent: number): number {
  return 1 - objectivePercent / 100;
}

/**
 * How fast the budget burns: the observed error rate over the rate that would spend exactly the
 * budget over the SLO window. 1 spends it exactly; 14.4 spends 2 % of a 30-day budget in an hour.
 * A window without events burns nothing.
 */
export function burnRate(counts: EventCounts, objectivePercent: number): number {
  if (counts.total <= 0) return 0;
  const errorRate = (counts.total - counts.good) / counts.total;
  return errorRate / allowedErrorRate(objectivePercent);
}

/**
 * The share of the window's error budget left, 1 = untouched, 0 = spent, negative = overspent.
 * With no events in the window nothing was spent.
 */
export function budgetRemaining(counts: EventCounts, objectivePercent: number): number {
  if (counts.total <= 0) return 1;
  const allowedBad = counts.total * allowedErrorRate(objectivePercent);
  return 1 - (counts.total - counts.good) / allowedBad;
}

/** The share of good events in percent; null without events. */
export function attainment(counts: EventCounts): number | null {
  return counts.total > 0 ? (100 * counts.good) / counts.total : null;
}

const BURN_EPSILON = 1e-9;

/**
 * Which burn-rate alerts fire for these per-window counts: an alert fires only when its long AND
 * its short window both burn at or above its rate.
 */
export function firingBurnAlerts(
  windows: Readonly<Record<BurnWindowMinutes, EventCounts>>,
  objectivePercent: number,
): Set<BurnAlertKind> {
  return burnAlertsFiring(burnRates(windows, objectivePercent));
}

/** The burn rate of every alerting window. */
export function burnRates(
  windows: Readonly<Record<BurnWindowMinutes, EventCounts>>,
  objectivePercent: number,
): Record<BurnWindowMinutes, number> {
  const rates = {} as Record<BurnWindowMinutes, number>;
  for (const m of BURN_WINDOW_MINUTES) rates[m] = burnRate(windows[m], objectivePercent);
  return rates;
}

/** The same decision from burn rates already computed (and stored). */
export function burnAlertsFiring(rates: Readonly<Record<BurnWindowMinutes, number>>): Set<BurnAlertKind> {
  const firing = new Set<BurnAlertKind>();
  for (const a of BURN_ALERTS) {
    // 1 − 0.99 is 0.010000000000000009 in binary: a rate exactly at the threshold must fire.
    if (
      rates[a.longMinutes] >= a.burnRate - BURN_EPSILON &&
      rates[a.shortMinutes] >= a.burnRate - BURN_EPSILON
    )
      firing.add(a.kind);
  }
  return firing;
}

/** An SLO's state as the API and the desktop show it. */
export type SloStatus = {
  id: string;
  name: string;
  kind: SloKind;
  scope: SloScope;
  objective: number;
  windowDays: SloWindowDays;
  thresholdMs: number | null;
  /** The escalation policy its burn-rate alerts page, or null (routed by tag). */
  escalationPolicyId: string | null;
  /** Good/total over the SLO window, maintenance excluded. */
  window: EventCounts;
  attainment: number | null;
  budgetRemaining: number;
  burnRates: Record<BurnWindowMinutes, number>;
  firing: BurnAlertKind[];
  evaluatedAt: string;
};
