/**
 * Days left on a certificate, counted one way everywhere: the server's inventory, the alert
 * rules, the agent's report and the desktop all call this, so a certificate never shows "0 days"
 * in one place and "expired 1 day ago" in another.
 */

/** One day in milliseconds. Expiry is UTC instant arithmetic, so a day is always this long. */
export const DAY_MS = 86_400_000;

/**
 * Whole days from `now` until `notAfter`, rounded down: 6.9 days left is 6, exactly at expiry 0,
 * and once expired the count is negative (1 ms past expiry is −1, a day and 1 ms past is −2): the
 * day an expired certificate is in, so every program words it "expired N days ago" with N = −days.
 *
 * Works on instants (ms since the epoch), so time zones and daylight saving never move a day.
 *
 * @param notAfter the certificate's last valid instant: a Date, an ISO 8601 string or epoch ms.
 * @param now the instant to count from (injected: callers pass their clock, never the wall time
 *   hidden in here).
 * @returns NaN when `notAfter` is not a readable time.
 */
export function daysLeft(notAfter: Date | string | number, now: Date): number {
  const end =
    notAfter instanceof Date
      ? notAfter.getTime()
      : typeof notAfter === 'string'
        ? Date.parse(notAfter)
        : notAfter;
  return Math.floor((end - now.getTime()) / DAY_MS);
}
