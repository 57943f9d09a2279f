/**
 * The fault suite's agents: a few pushers sending batches of snapshots over loopback at a steady
 * pace, each keeping an unacknowledged batch and sending it again (same batch id, same snapshot
 * ids) until the server acknowledges it, as the agent's spool does. Every acknowledged id is kept
 * in order, so a fault's window is a slice of them.
 *
 * A few "flipper" hosts alternate their certificate between one expiring in 10 days and one
 * expiring in 200, so the expiry rule opens and resolves alerts (and emits events, and webhooks)
 * all through the run; the other hosts keep a healthy certificate.
 */
import type { Snapshot } from '@vigilo/shared/snapshot';
import { makeSnapshot, uuidv7 } from '../support/snapshots.ts';

const DAY = 86_400_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type Load = {
  /** Every acknowledged snapshot id, in the order acknowledged. */
  acked: string[];
  /** Snapshots acknowledged per second over the last few seconds (what "load" means in the table). */
  counts: { sent: number; backpressure: number; failed: number };
  /** When the last acknowledgement arrived (ms since the epoch). */
  lastAckAt(): number;
  stop(): Promise<void>;
};

export function startLoad(opts: {
  url: string;
  token: string;
  hosts: Array<{ id: string; hostname: string }>;
  flippers: number;
  flipEveryMs: number;
  pushers: number;
  batchSize: number;
  everyMs: number;
}): Load {
  const acked: string[] = [];
  const counts = { sent: 0, backpressure: 0, failed: 0 };
  let lastAck = 0;
  let running = true;
  let cursor = 0;
  const started = Date.now();

  const snapshotOf = (i: number, at: Date): Snapshot => {
    const host = opts.hosts[i]!;
    const expiring = i < opts.flippers && Math.floor((at.getTime() - started) / opts.flipEveryMs) % 2 === 0;
    const notAfter = new Date(started + (expiring ? 10 : 200) * DAY);
    return makeSnapshot({ hostId: host.id, hostname: host.hostname, scannedAt: at, notAfter });
  };
  const nextBatch = () => {
    const at = new Date();
    const snapshots: Snapshot[] = [];
    for (let k = 0; k < opts.batchSize; k++) {
      // Flippers get a scan in every batch, so their flips are seen promptly.
      const i = k < opts.flippers ? k : opts.flippers + (cursor++ % (opts.hosts.length - opts.flippers));
      snapshots.push(snapshotOf(i, at));
    }
    const body = JSON.stringify({
      batch_id: uuidv7(),
      agent_version: 'faults',
      sent_at: at.toISOString(),
      snapshots,
      losses: [],
    });
    return { body, ids: snapshots.map((s) => s.id) };
  };

  const pusher = async () => {
    let pending: { body: string; ids: string[] } | undefined;
    while (running) {
      const begun = Date.now();
      pending ??= nextBatch();
      counts.sent += 1;
      let wait = opts.everyMs;
      try {
        const res = await fetch(`${opts.url}/agent/v1/snapshots`, {
          method: 'POST',
          headers: { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json' },
          body: pending.body,
          signal: AbortSignal.timeout(5000),
        });
        await res.arrayBuffer();
        if (res.status === 200) {
          acked.push(...pending.ids);
          lastAck = Date.now();
          pending = undefined;
        } else {
          if (res.status === 503) counts.backpressure += 1;
          else counts.failed += 1;
          // The server's Retry-After (5 to 30 s) is what agents honour; the suite retries within a
          // second so a recovery is seen when it happens, not when the backoff ends.
          wait = 250;
        }
      } catch {
        counts.failed += 1; // no answer (the server is down or was killed mid-request)
        wait = 250;
      }
      await sleep(Math.max(0, wait - (Date.now() - begun)));
    }
  };
  const all = Array.from({ length: opts.pushers }, () => pusher());
  return {
    acked,
    counts,
    lastAckAt: () => lastAck,
    stop: async () => {
      running = false;
      await Promise.all(all);
    },
  };
}
