import { SHORT_LEAD_TIME_HOURS } from '@vigilo/shared/change-risk';
import type { WorkspaceTx } from '../db/tx.ts';
import { describeWindow, type FreezeWindowRow, freezeWindowsOver } from './freeze-lookup.ts';

/**
 * When a certificate renewal is planned: the first whole hour that gives the usual notice (so
 * the lead-time rule does not raise its risk), or the next hour when the certificate expires
 * before that notice runs out, moved past every freeze window that applies to the host. It
 * lasts an hour. When no such hour is left before the expiry the window still avoids the
 * freezes (scheduling inside one is refused) and the change shows the expiry as a collision.
 */

const HOUR = 3_600_000;
/** How long a renewal is planned to take. */
export const RENEWAL_DURATION_MS = HOUR;
/** How far ahead freeze windows are looked at: past any that could push the window. */
const HORIZON_MS = 400 * 86_400_000;

export type RenewalWindow = { start: Date; end: Date; note: string };

const nextHour = (t: number) => Math.ceil(t / HOUR) * HOUR;

/** The window, pure: from `now`, before `expiresAt`, outside `freezes`. */
export function chooseRenewalWindow(
  now: Date,
  expiresAt: Date,
  freezes: readonly FreezeWindowRow[],
): RenewalWindow {
  let start = nextHour(now.getTime() + SHORT_LEAD_TIME_HOURS * HOUR);
  const notes: string[] = [];
  if (start + RENEWAL_DURATION_MS > expiresAt.getTime()) {
    start = nextHour(now.getTime() + HOUR);
    notes.push(`the certificate expires in less than ${SHORT_LEAD_TIME_HOURS} h of notice: planned at once`);
  }
  // Each pass moves past the windows in the way; windows only push forward, so it ends.
  for (let pass = 0; pass < freezes.length + 1; pass++) {
    const end = start + RENEWAL_DURATION_MS;
    const blocking = freezes.filter((f) => f.starts_at.getTime() < end && f.ends_at.getTime() > start);
    if (blocking.length === 0) break;
    start = nextHour(Math.max(...blocking.map((f) => f.ends_at.getTime())));
    notes.push(`moved after the freeze window ${blocking.map(describeWindow).join(' and ')}`);
  }
  const end = start + RENEWAL_DURATION_MS;
  if (end > expiresAt.getTime()) notes.push('no window before the expiry avoids the freeze windows');
  return { start: new Date(start), end: new Date(end), note: notes.join('; ') };
}

/** The renewal window of a host's certificate, with the freeze windows that apply to the host. */
export async function planRenewalWindow(
  tx: WorkspaceTx,
  hostTags: readonly string[],
  expiresAt: Date,
  now: Date,
): Promise<RenewalWindow> {
  const freezes = await freezeWindowsOver(
    tx,
    { start: now, end: new Date(now.getTime() + HORIZON_MS) },
    hostTags,
  );
  return chooseRenewalWindow(now, expiresAt, freezes);
}
