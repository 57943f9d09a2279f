import type { SloView } from '../../../bridge/reliability.ts';

/** Burning: a burn-rate alert fires, or the last hour spends the budget faster than allowed. */
export const burning = (s: SloView) => s.firing.length > 0 || s.burnRates['60'] > 1;

/** The budget left, in words ("62 % of the 28-day budget left", "overspent by 40 %"). */
export function budgetWords(s: SloView): string {
  const pct = Math.round(s.budgetRemaining * 100);
  return pct >= 0 ? `${pct} % of the ${s.windowDays}-day budget left` : `budget overspent by ${-pct} %`;
}

/** The share of good events in the window, or that there is none. */
export const attainmentWords = (s: SloView) =>
  s.attainment === null ? 'no scans yet' : `${s.attainment.toFixed(3)} % good (${s.good} of ${s.total})`;
