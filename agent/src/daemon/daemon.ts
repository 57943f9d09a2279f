/**
 * `vigilo-agent run`: pull assigned hosts (every poll interval, or at once when a push answer says
 * the config changed), scan each on its interval, spool every snapshot, push from the spool.
 * Four loops share one AbortSignal; on abort the in-flight scans finish (they are bounded by
 * their phase timeouts) and land in the spool before the process exits.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentConfig } from '@vigilo/shared/agent-protocol';
import { saveState, type AgentCredentials } from '../config/agent-home.ts';
import { PushClient } from '../push/client.ts';
import { Pusher } from '../push/pusher.ts';
import { pullConfig } from '../push/server-api.ts';
import type { Scanner } from '../scan/scanner.ts';
import { describeTarget } from '../scan/target.ts';
import { Spool } from '../spool/spool.ts';
import type { Log } from './log.ts';
import { Schedule } from './schedule.ts';

export interface DaemonOptions {
  home: string;
  creds: AgentCredentials;
  scanner: Scanner;
  agentVersion: string;
  log: Log;
  signal: AbortSignal;
  concurrency: number;
  /** New hosts start within this window (ms). */
  spreadMs: number;
}

/** A sleep that `wake()` can cut short. */
class Waker {
  private resolve: (() => void) | null = null;
  wake(): void {
    this.resolve?.();
  }
  async wait(ms: number, signal: AbortSignal): Promise<void> {
    const woken = new Promise<void>((r) => (this.resolve = r));
    await Promise.race([woken, sleep(ms, undefined, { signal }).catch(() => undefined)]);
    this.resolve = null;
  }
}

export async function runDaemon(o: DaemonOptions): Promise<void> {
  const startedAt = new Date().toISOString();
  const spool = await Spool.open(join(o.home, 'spool'));
  const client = new PushClient({
    serverUrl: o.creds.server_url,
    token: o.creds.agent_token,
    agentVersion: o.agentVersion,
    spoolDepth: () => spool.depth,
  });
  const pusher = new Pusher(spool, client, { log: o.log });
  const schedule = new Schedule();
  const pushWaker = new Waker();
  const pollWaker = new Waker();
  const inFlight = new Set<Promise<void>>();
  let config: AgentConfig | null = null;
  let etag: string | null = null;
  let scansDone = 0;
  let configError: string | null = null;

  async function pull(waitSeconds: number): Promise<'changed' | 'unchanged' | 'failed'> {
    try {
      const result = await pullConfig(o.creds.server_url, o.creds.agent_token, etag, {
        waitSeconds,
        signal: o.signal,
        report: { version: o.agentVersion, spoolDepth: spool.depth },
      });
      configError = null;
      if (result.kind === 'unchanged') return 'unchanged';
      config = result.config;
      etag = result.etag;
      schedule.update(config.hosts, Date.now(), o.spreadMs);
      o.log('config.updated', { version: config.version, hosts: config.hosts.length });
      return 'changed';
    } catch (err) {
      if (o.signal.aborted) return 'unchanged';
      configError = (err as Error).message;
      o.log('config.error', { detail: configError });
      return 'failed';
    }
  }

  async function pollLoop(): Promise<void> {
    while (!o.signal.aborted) {
      // A long-poll: the server answers at once when the config changes (a host added or
      // edited is scanned within seconds), or after the poll interval with 304.
      const wait = Math.min(config?.poll_interval_s ?? 60, 50);
      const started = Date.now();
      const outcome = await pull(wait);
      // After a failure, or from a server that answers 304 at once (no long-poll), wait the interval.
      if (outcome === 'failed' || (outcome === 'unchanged' && Date.now() - started < (wait * 1000) / 2)) {
        await pollWaker.wait((config?.poll_interval_s ?? 60) * 1000, o.signal);
      }
    }
  }

  async function scanLoop(): Promise<void> {
    while (!o.signal.aborted) {
      for (const host of schedule.takeDue(Date.now(), o.concurrency - inFlight.size)) {
        const target = describeTarget(host.hostname, host.port, host.protocol, host.host_id);
        const job = o.scanner
          .scan(target, { posture: host.posture })
          .then(async (snapshot) => {
            await spool.append([snapshot]);
            scansDone++;
            pushWaker.wake();
          })
          .catch((err: unknown) => o.log('scan.bug', { host_id: host.host_id, detail: String(err) }))
          .finally(() => inFlight.delete(job));
        inFlight.add(job);
      }
      await sleep(250, undefined, { signal: o.signal }).catch(() => undefined);
    }
  }

  async function pushLoop(): Promise<void> {
    while (!o.signal.aborted) {
      const result = await pusher.drain(o.signal);
      if (result === 'unauthorized')
        o.log('push.stopped', { detail: 'agent credential refused; keeping the spool' });
      const seen = pusher.status.configVersion;
      if (seen !== null && config !== null && seen > config.version) pollWaker.wake(); // the server's nudge
      await pushWaker.wait((config?.push.max_age_s ?? 10) * 1000, o.signal);
    }
  }

  async function writeState(): Promise<void> {
    await saveState(o.home, {
      pid: process.pid,
      started_at: startedAt,
      updated_at: new Date().toISOString(),
      state: o.signal.aborted ? 'stopped' : pusher.status.state,
      config_version: config?.version ?? null,
      hosts: schedule.size,
      scans_in_flight: inFlight.size,
      scans_done: scansDone,
      spool_depth: spool.depth,
      losses_pending: spool.pendingLosses().reduce((n, l) => n + l.dropped, 0),
      last_push_at: pusher.status.lastPushAt,
      last_error: pusher.status.lastError ?? configError,
    });
  }

  async function stateLoop(): Promise<void> {
    while (!o.signal.aborted) {
      await writeState();
      await sleep(2000, undefined, { signal: o.signal }).catch(() => undefined);
    }
  }

  o.log('daemon.started', { pid: process.pid, server: o.creds.server_url, agent_id: o.creds.agent_id });
  await Promise.all([pollLoop(), scanLoop(), pushLoop(), stateLoop()]);
  // Scans already started finish (bounded by their timeouts) and are spooled, not lost.
  await Promise.all(inFlight);
  await writeState();
  await spool.close();
  o.log('daemon.stopped', {});
}
