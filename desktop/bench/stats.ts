// Small statistics for bench samples (milliseconds). Pure: no I/O.

/** The `q` quantile (0..1) of `samples` by nearest rank; NaN when there are none. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** Rounds for printing: one decimal, kept as a number for the JSON line. */
export const round1 = (n: number) => Math.round(n * 10) / 10;
