import type { Snapshot } from '@vigilo/shared';

/**
 * How far ahead of the server's clock a scan may say it happened. Agents' clocks drift by seconds
 * or minutes, a badly set one by hours; a day covers both and keeps out the future dates that
 * would otherwise create a month partition each and, being "newest", pin a host's current status
 * until that date.
 */
export const MAX_SCAN_AHEAD_MS = 24 * 3_600_000;

export type TimeIssue = { index: number; path: string; message: string };

/**
 * The snapshots whose `scanned_at` lies outside what the server keeps: more than
 * MAX_SCAN_AHEAD_MS after `now`, or older than the retention (the retention job would delete it,
 * and its month partition may already be gone). Empty when every snapshot fits.
 */
export function snapshotTimeIssues(
  snapshots: readonly Pick<Snapshot, 'scanned_at'>[],
  now: Date,
  retentionDays: number,
): TimeIssue[] {
  const latest = now.getTime() + MAX_SCAN_AHEAD_MS;
  const earliest = now.getTime() - retentionDays * 86_400_000;
  const issues: TimeIssue[] = [];
  snapshots.forEach((s, index) => {
    const at = Date.parse(s.scanned_at);
    const problem =
      at > latest
        ? `is more than 24 h ahead of the server's clock (${now.toISOString()}): check the agent's clock`
        : at < earliest
          ? `is older than the ${retentionDays}-day snapshot retention`
          : undefined;
    if (problem)
      issues.push({
        index,
        path: `snapshots.${index}.scanned_at`,
        message: `scanned_at ${s.scanned_at} ${problem}`,
      });
  });
  return issues;
}
