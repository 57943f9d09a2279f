/**
 * When each assigned host is next due. New hosts start at a random point within the startup
 * spread so a thousand hosts do not all scan in the first second; every later scan is one
 * interval later with ±10 % jitter, so hosts that started together drift apart.
 */
import type { AssignedHost } from '@vigilo/shared/agent-protocol';

interface Entry {
  host: AssignedHost;
  nextAt: number;
}

export class Schedule {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly random: () => number = Math.random) {}

  get size(): number {
    return this.entries.size;
  }

  /** Replaces the host list; hosts whose settings did not change keep their place in time. */
  update(hosts: readonly AssignedHost[], now: number, spreadMs: number): void {
    const keep = new Set<string>();
    for (const host of hosts) {
      keep.add(host.host_id);
      const old = this.entries.get(host.host_id);
      if (old && JSON.stringify(old.host) === JSON.stringify(host)) continue;
      const window = Math.min(spreadMs, host.interval_s * 1000);
      this.entries.set(host.host_id, { host, nextAt: now + Math.floor(this.random() * window) });
    }
    for (const id of [...this.entries.keys()]) if (!keep.has(id)) this.entries.delete(id);
  }

  /** Up to `max` hosts due at `now`, each rescheduled one jittered interval ahead. */
  takeDue(now: number, max: number): AssignedHost[] {
    const due = [...this.entries.values()].filter((e) => e.nextAt <= now).sort((a, b) => a.nextAt - b.nextAt);
    return due.slice(0, Math.max(0, max)).map((e) => {
      e.nextAt = now + Math.round(e.host.interval_s * 1000 * (0.9 + 0.2 * this.random()));
      return e.host;
    });
  }
}
