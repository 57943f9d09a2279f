import { appendFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Spool } from '../src/spool/spool.ts';
import { SpoolLockedError } from '../src/spool/lock.ts';
import { fakeSnapshots } from './fixtures/snapshots.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigilo-spool-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const segments = () => readdirSync(join(dir, 'segments')).sort();

describe('spool', () => {
  it('hands records out oldest first and forgets them only when acknowledged', async () => {
    const spool = await Spool.open(dir);
    const snaps = fakeSnapshots(5);
    await spool.append(snaps.slice(0, 3));
    await spool.append(snaps.slice(3));
    const first = await spool.peek(3);
    expect(first.map((r) => r.id)).toEqual(snaps.slice(0, 3).map((s) => s.id));
    expect(await spool.peek(3)).toEqual(first); // peek does not consume
    await spool.ack(first.at(-1)!.end);
    expect((await spool.peek(10)).map((r) => r.id)).toEqual(snaps.slice(3).map((s) => s.id));
    expect(JSON.parse(first[0]!.json)).toEqual(snaps[0]);
    await spool.close();
  });

  it('survives a reopen: unacknowledged records come back, acknowledged ones do not', async () => {
    const snaps = fakeSnapshots(6);
    const a = await Spool.open(dir, { segmentBytes: 600 });
    for (const s of snaps) await a.append([s]);
    await a.ack((await a.peek(4)).at(-1)!.end);
    await a.close();
    const b = await Spool.open(dir, { segmentBytes: 600 });
    expect((await b.peek(100)).map((r) => r.id)).toEqual(snaps.slice(4).map((s) => s.id));
    expect(b.depth).toBe(2);
    await b.close();
  });

  it('cuts a torn last line left by a crash and keeps every complete record', async () => {
    const snaps = fakeSnapshots(3);
    const a = await Spool.open(dir);
    await a.append(snaps.slice(0, 2));
    await a.close();
    appendFileSync(join(dir, 'segments', segments()[0]!), '0123456789ab\t{"id":"half-writ');
    const b = await Spool.open(dir);
    await b.append(snaps.slice(2));
    expect((await b.peek(10)).map((r) => r.id)).toEqual(snaps.map((s) => s.id));
    expect(b.corrupt).toBe(0);
    await b.close();
  });

  it('skips a line whose check fails instead of pushing garbage', async () => {
    const a = await Spool.open(dir);
    await a.append(fakeSnapshots(1));
    await a.close();
    appendFileSync(join(dir, 'segments', segments()[0]!), 'ffffffffffff\t{"id":"tampered"}\n');
    const b = await Spool.open(dir);
    expect(await b.peek(10)).toHaveLength(1);
    expect(b.corrupt).toBe(1);
    await b.close();
  });

  it('drops the oldest segments at the size cap and keeps a loss report for them', async () => {
    const spool = await Spool.open(dir, { maxBytes: 4000, segmentBytes: 1000 });
    const snaps = fakeSnapshots(30);
    for (const s of snaps) await spool.append([s]);
    const left = await spool.peek(100);
    const losses = spool.pendingLosses();
    const dropped = losses.reduce((n, l) => n + l.dropped, 0);
    expect(dropped).toBeGreaterThan(0);
    expect(dropped + left.length).toBe(30); // every snapshot is either still here or counted
    expect(left.at(-1)!.id).toBe(snaps.at(-1)!.id); // the newest are kept
    expect(losses[0]).toMatchObject({ reason: 'spool_full', oldest_scanned_at: snaps[0]!.scanned_at });
    await spool.close();
    const again = await Spool.open(dir, { maxBytes: 4000, segmentBytes: 1000 });
    expect(again.pendingLosses()).toEqual(losses);
    await again.ackLosses(losses.map((l) => l.id));
    expect(again.pendingLosses()).toEqual([]);
    await again.close();
  });

  it('refuses a second live owner and takes over a stale lock', async () => {
    writeFileSync(join(dir, 'lock'), String(process.pid === 1 ? 2 : 1)); // pid 1 is alive (init)
    await expect(Spool.open(dir)).rejects.toBeInstanceOf(SpoolLockedError);
    writeFileSync(join(dir, 'lock'), '999999999'); // no such process
    const spool = await Spool.open(dir);
    await spool.close();
  });
});
