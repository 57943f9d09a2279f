/**
 * Push and spool together against a real HTTP receiver: outages, 500s, 503 with Retry-After, 400 on
 * one bad snapshot, revoked credentials, and an agent killed with -9 in the middle of a push.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PushClient } from '../src/push/client.ts';
import { Pusher } from '../src/push/pusher.ts';
import { Spool } from '../src/spool/spool.ts';
import { Receiver, TEST_TOKEN } from './fixtures/receiver.ts';
import { fakeSnapshots } from './fixtures/snapshots.ts';
import { ServerSet } from './fixtures/servers.ts';

let dir: string;
let receiver: Receiver;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigilo-push-'));
  receiver = new Receiver();
});
afterEach(async () => {
  await receiver.stop();
  rmSync(dir, { recursive: true, force: true });
});

function pusherFor(spool: Spool, url: string, maxBatch = 10) {
  const client = new PushClient({ serverUrl: url, token: TEST_TOKEN, agentVersion: 'test', timeoutMs: 5000 });
  return new Pusher(spool, client, { maxBatch, backoff: { baseMs: 5, capMs: 20, jitter: 'full' } });
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!cond()) throw new Error(`gave up waiting for ${what}`);
}

describe('pusher', () => {
  it('delivers everything once through 500s and a 503 with Retry-After', async () => {
    const url = await receiver.start();
    receiver.script.push(
      { status: 500 },
      { status: 502 },
      { status: 503, retryAfter: '0' },
      { status: 429, retryAfter: '0' },
    );
    const spool = await Spool.open(dir);
    const snaps = fakeSnapshots(35);
    await spool.append(snaps);
    const pusher = pusherFor(spool, url);
    expect(await pusher.drain()).toBe('empty');
    expect(receiver.stored).toEqual(snaps.map((s) => s.id)); // in order, each once
    expect(receiver.log.filter((l) => l.status !== 200).map((l) => l.status)).toEqual([500, 502, 503, 429]);
    expect(spool.depth).toBe(0);
    expect(pusher.status).toMatchObject({ consecutiveFailures: 0, lastError: null, acknowledged: 35 });
    await spool.close();
  });

  it('keeps everything while the server is down and delivers when it is back', async () => {
    const port = await new ServerSet().closedPort();
    const spool = await Spool.open(dir);
    const snaps = fakeSnapshots(12);
    await spool.append(snaps);
    const pusher = pusherFor(spool, `http://127.0.0.1:${port}`);
    const abort = new AbortController();
    const draining = pusher.drain(abort.signal);
    await until(() => pusher.status.consecutiveFailures >= 3, 'three failed attempts');
    expect(pusher.status.lastError).toMatch(/ECONNREFUSED/);
    expect(spool.depth).toBe(12);
    await receiver.start(port); // the server comes back on the same address
    expect(await draining).toBe('empty');
    expect(receiver.stored).toEqual(snaps.map((s) => s.id));
    await spool.close();
  });

  it('isolates a snapshot the server rejects, drops it as a reported loss, and delivers the rest', async () => {
    const url = await receiver.start();
    const spool = await Spool.open(dir);
    const snaps = fakeSnapshots(16);
    receiver.invalidIds.add(snaps[9]!.id);
    await spool.append(snaps);
    expect(await pusherFor(spool, url, 8).drain()).toBe('empty');
    expect(receiver.stored).toEqual(snaps.filter((_, i) => i !== 9).map((s) => s.id));
    expect(receiver.losses).toEqual([
      expect.objectContaining({
        dropped: 1,
        reason: 'rejected_by_server',
        oldest_scanned_at: snaps[9]!.scanned_at,
      }),
    ]);
    expect(spool.pendingLosses()).toEqual([]);
    await spool.close();
  });

  it('drops a snapshot for a host reassigned after the scan (403) instead of stopping', async () => {
    const url = await receiver.start();
    const spool = await Spool.open(dir);
    const snaps = fakeSnapshots(6);
    const gone = '0190d000-0000-7000-8000-0000000000ff';
    snaps[2]!.target.host_id = gone;
    receiver.unassigned.add(gone);
    await spool.append(snaps);
    const pusher = pusherFor(spool, url);
    expect(await pusher.drain()).toBe('empty');
    expect(receiver.stored).toEqual(snaps.filter((_, i) => i !== 2).map((s) => s.id));
    expect(receiver.losses).toEqual([expect.objectContaining({ dropped: 1, reason: 'rejected_by_server' })]);
    await spool.close();
  });

  it('reports snapshots dropped at the spool cap on the next push', async () => {
    const url = await receiver.start();
    const spool = await Spool.open(dir, { maxBytes: 3000, segmentBytes: 1000 });
    for (const s of fakeSnapshots(20)) await spool.append([s]);
    const dropped = spool.pendingLosses().reduce((n, l) => n + l.dropped, 0);
    expect(await pusherFor(spool, url).drain()).toBe('empty');
    expect(receiver.losses.reduce((n, l) => n + l.dropped, 0)).toBe(dropped);
    expect(receiver.stored.length + dropped).toBe(20);
    expect(spool.pendingLosses()).toEqual([]);
    await spool.close();
  });

  it('stops on 401 and keeps the spool', async () => {
    const url = await receiver.start();
    receiver.script.push({ status: 401 });
    const spool = await Spool.open(dir);
    await spool.append(fakeSnapshots(3));
    const pusher = pusherFor(spool, url);
    expect(await pusher.drain()).toBe('unauthorized');
    expect(pusher.status.state).toBe('unauthorized');
    expect(spool.depth).toBe(3);
    await spool.close();
  });
});

describe('crash safety with real processes', () => {
  const worker = fileURLToPath(new URL('./fixtures/push-worker.ts', import.meta.url));
  const runWorker = (url: string): ChildProcess =>
    spawn(process.execPath, ['--import', 'tsx', worker, dir, url, '20'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const exit = (child: ChildProcess) =>
    new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((resolve) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', (code, signal) => resolve({ code, signal, out }));
    });

  it('kill -9 mid-push, restart: nothing lost, nothing stored twice', async () => {
    const url = await receiver.start();
    const snaps = fakeSnapshots(50);
    const spool = await Spool.open(dir);
    await spool.append(snaps);
    await spool.close();

    // First batch: the server stores it, then the agent dies before the acknowledgement.
    receiver.script.push({ hangAfterStoring: true });
    const first = runWorker(url);
    const firstExit = exit(first);
    await until(() => receiver.stored.length === 20, 'the first batch to be stored');
    first.kill('SIGKILL');
    expect((await firstExit).signal).toBe('SIGKILL');

    const second = await exit(runWorker(url));
    expect(second.out).toContain('empty');
    expect(second.code).toBe(0);

    expect(receiver.stored).toEqual(snaps.map((s) => s.id)); // all 50, once each, in order
    expect([...receiver.seen.values()].filter((n) => n === 2)).toHaveLength(20); // the replayed batch
    const after = await Spool.open(dir);
    expect(after.depth).toBe(0);
    await after.close();
  });
});
