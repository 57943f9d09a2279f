import {
  BURN_WINDOW_MINUTES,
  type BurnAlertKind,
  type BurnWindowMinutes,
  type EventCounts,
} from '@vigilo/shared/slo';
import type { WorkspaceTx } from '../db/tx.ts';

/**
 * The replicated snapshot of an SLO's state (slo_status, migration 0026): what desktops show of an
 * SLO offline. The evaluation job computes every SLO every minute and stores that on the slos row,
 * which does not replicate; a snapshot is rewritten only when what the pages show moved, so the
 * change log carries a few entries per SLO a day instead of one a minute.
 */
export type SloSnapshot = {
  window: EventCounts;
  budgetRemaining: number;
  burnRates: Record<BurnWindowMinutes, number>;
  firing: BurnAlertKind[];
  evaluatedAt: Date;
};

/** How far an evaluation must move from the stored snapshot before it is written again. */
export const SNAPSHOT_STEPS = {
  /** The pages show the budget in whole percents. */
  budget: 0.01,
  /** The pages show the 1 h and 6 h burn rates with one decimal; smaller moves are noise. */
  burnRate: 0.5,
  /**
   * An unchanged snapshot is still rewritten after this long, so "as of" on an offline desktop is
   * never more than an hour older than the server's last evaluation before it went offline.
   */
  refreshMs: 3_600_000,
} as const;

/** The burn windows the pages show (slos.tsx, burning-slos.tsx). */
const SHOWN_WINDOWS = [60, 360] as const satisfies readonly BurnWindowMinutes[];

/**
 * Whether `next` is worth writing over `prev`: `changed` when a page would show something else
 * (the burn alerts firing, the first scans counted, the budget by a percentage point, a shown
 * burn rate by SNAPSHOT_STEPS.burnRate or across 1, the line the inbox calls burning); `refresh`
 * when only the time moved on past SNAPSHOT_STEPS.refreshMs; `same` otherwise.
 */
export function snapshotChange(
  prev: SloSnapshot | undefined,
  next: SloSnapshot,
): 'changed' | 'refresh' | 'same' {
  if (!prev) return 'changed';
  const firing = (s: SloSnapshot) => [...s.firing].sort().join(',');
  if (firing(prev) !== firing(next)) return 'changed';
  if ((prev.window.total === 0) !== (next.window.total === 0)) return 'changed';
  if (Math.abs(prev.budgetRemaining - next.budgetRemaining) >= SNAPSHOT_STEPS.budget) return 'changed';
  for (const m of SHOWN_WINDOWS) {
    const [a, b] = [prev.burnRates[m], next.burnRates[m]];
    if (Math.abs(a - b) >= SNAPSHOT_STEPS.burnRate || a > 1 !== b > 1) return 'changed';
  }
  return next.evaluatedAt.getTime() - prev.evaluatedAt.getTime() >= SNAPSHOT_STEPS.refreshMs
    ? 'refresh'
    : 'same';
}

type SnapshotRow = {
  slo_id: string;
  good: number;
  total: number;
  budget_remaining: number;
  burn_rates: Partial<Record<string, number>>;
  firing: BurnAlertKind[];
  evaluated_at: Date;
};

/** The workspace's stored snapshots by SLO id. */
export async function loadSnapshots(tx: WorkspaceTx): Promise<Map<string, SloSnapshot>> {
  // Named although row security binds it: the evaluation runs on the owner pool (slo-evaluation.ts).
  const { rows } = await tx.query<SnapshotRow>('SELECT * FROM slo_status WHERE workspace_id = $1', [
    tx.workspaceId,
  ]);
  return new Map(
    rows.map((r) => [
      r.slo_id,
      {
        window: { good: Number(r.good), total: Number(r.total) },
        budgetRemaining: r.budget_remaining,
        burnRates: Object.fromEntries(
          BURN_WINDOW_MINUTES.map((m) => [m, r.burn_rates[String(m)] ?? 0]),
        ) as Record<BurnWindowMinutes, number>,
        firing: r.firing,
        evaluatedAt: r.evaluated_at,
      },
    ]),
  );
}

/**
 * Writes the snapshot of one SLO when {@link snapshotChange} says it moved or aged; returns what
 * it decided. The write is the change log entry the replicas pull (slo_status_sync).
 */
export async function storeSnapshot(
  tx: WorkspaceTx,
  sloId: string,
  prev: SloSnapshot | undefined,
  next: SloSnapshot,
): Promise<'changed' | 'refresh' | 'same'> {
  const change = snapshotChange(prev, next);
  if (change === 'same') return change;
  await tx.query(
    `INSERT INTO slo_status (slo_id, workspace_id, good, total, budget_remaining, burn_rates, firing, evaluated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (slo_id) DO UPDATE SET good = EXCLUDED.good, total = EXCLUDED.total,
       budget_remaining = EXCLUDED.budget_remaining, burn_rates = EXCLUDED.burn_rates,
       firing = EXCLUDED.firing, evaluated_at = EXCLUDED.evaluated_at`,
    [
      sloId,
      tx.workspaceId,
      next.window.good,
      next.window.total,
      next.budgetRemaining,
      next.burnRates,
      next.firing,
      next.evaluatedAt,
    ],
  );
  return change;
}
