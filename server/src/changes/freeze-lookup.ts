import type { WorkspaceTx } from '../db/tx.ts';

/**
 * Reading freeze windows for the rules that respect them: scheduling (schedule-checks.ts),
 * collisions (collision-detect.ts) and the renewal window (renewal-window.ts). Their upkeep is
 * freeze-windows.ts.
 */

/** A freeze window as stored. */
export type FreezeWindowRow = {
  id: string;
  name: string;
  reason: string;
  starts_at: Date;
  ends_at: Date;
  tags: string[];
  created_by: string;
  created_at: Date;
  updated_at: Date;
};

/** A window in words, for refusals and collision reasons: `"Year end" (2030-12-20 00:00 – 2031-01-03 00:00 UTC)`. */
export function describeWindow(w: Pick<FreezeWindowRow, 'name' | 'starts_at' | 'ends_at'>): string {
  return `"${w.name}" (${when(w.starts_at)} – ${when(w.ends_at)} UTC)`;
}

/** An instant to the minute, UTC, as reasons show it. */
export function when(d: Date): string {
  return d.toISOString().slice(0, 16).replace('T', ' ');
}

/**
 * The freeze windows overlapping [start, end) that apply to a change touching `tags` (its own
 * tags and its hosts'): the workspace-wide ones and those sharing a tag. Earliest first.
 */
export async function freezeWindowsOver(
  tx: WorkspaceTx,
  span: { start: Date; end: Date },
  tags: readonly string[],
): Promise<FreezeWindowRow[]> {
  const { rows } = await tx.query<FreezeWindowRow>(
    `SELECT * FROM freeze_windows
     WHERE starts_at < $2 AND ends_at > $1 AND (cardinality(tags) = 0 OR tags && $3::text[])
     ORDER BY starts_at, id`,
    [span.start, span.end, tags],
  );
  return rows;
}
