import { z } from 'zod';

/**
 * The risk register's scoring and its 5×5 heat map. Pure, so the server's `risks.heatmap` and the
 * desktop (which draws the grid from its replicated risks) count the same cells.
 */

/** A likelihood or impact rating: a whole number from 1 (rare / minor) to 5 (almost certain / severe). */
export const riskRating = (name: string) =>
  z
    .number({ error: `${name} must be a whole number from 1 to 5` })
    .int(`${name} must be a whole number from 1 to 5`)
    .min(1, `${name} must be a whole number from 1 to 5`)
    .max(5, `${name} must be a whole number from 1 to 5`);

export const RISK_TREATMENTS = ['accept', 'mitigate', 'transfer', 'avoid'] as const;
export type RiskTreatment = (typeof RISK_TREATMENTS)[number];
export const riskTreatmentSchema = z.enum(RISK_TREATMENTS, {
  error: `treatment must be one of ${RISK_TREATMENTS.join(', ')}`,
});

/** A risk's status; any may follow any (a closed risk can be reopened), each move is kept in its history. */
export const RISK_STATUSES = ['open', 'treating', 'accepted', 'closed'] as const;
export type RiskStatus = (typeof RISK_STATUSES)[number];
export const riskStatusSchema = z.enum(RISK_STATUSES, {
  error: `status must be one of ${RISK_STATUSES.join(', ')}`,
});

/** Likelihood × impact, 1–25. */
export function riskScore(likelihood: number, impact: number): number {
  return likelihood * impact;
}

/** The band a score falls in, as the heat map colours it. */
export function riskBand(score: number): 'low' | 'medium' | 'high' | 'critical' {
  if (score >= 15) return 'critical';
  if (score >= 10) return 'high';
  if (score >= 5) return 'medium';
  return 'low';
}

/** A risk's ratings; residual ones are null until the risk has been assessed after treatment. */
export type RatedRisk = {
  likelihood: number;
  impact: number;
  residualLikelihood: number | null;
  residualImpact: number | null;
};

/**
 * Counts per cell: `cells[l - 1][i - 1]` is the number of risks with likelihood l and impact i.
 * Residual counts only risks with residual ratings; `total` is how many each grid counted.
 */
export type HeatGrid = { cells: number[][]; total: number };
export type Heatmap = { inherent: HeatGrid; residual: HeatGrid };

const emptyGrid = (): HeatGrid => ({ cells: Array.from({ length: 5 }, () => [0, 0, 0, 0, 0]), total: 0 });

function place(grid: HeatGrid, l: number, i: number): void {
  // Ratings outside 1–5 never reach the database (CHECK); a bad one here is a bug, not a cell.
  if (!Number.isInteger(l) || !Number.isInteger(i) || l < 1 || l > 5 || i < 1 || i > 5)
    throw new RangeError(`rating out of range: likelihood ${l}, impact ${i}`);
  const row = grid.cells[l - 1] as number[];
  row[i - 1] = (row[i - 1] ?? 0) + 1;
  grid.total += 1;
}

/** The inherent and residual 5×5 grids of a set of risks. */
export function riskHeatmap(risks: readonly RatedRisk[]): Heatmap {
  const inherent = emptyGrid();
  const residual = emptyGrid();
  for (const r of risks) {
    place(inherent, r.likelihood, r.impact);
    if (r.residualLikelihood !== null && r.residualImpact !== null)
      place(residual, r.residualLikelihood, r.residualImpact);
  }
  return { inherent, residual };
}
