/**
 * The on-disk spool: snapshots wait here until the server acknowledges them.
 *
 * Layout of the spool directory:
 *   segments/000000000001.jsonl   append-only; one record per line: "<check>\t<snapshot JSON>\n"
 *   cursor.json                   {segment, offset}: every record before it is acknowledged
 *   losses.json                   loss reports not yet acknowledged by the server
 *   lock                          pid of the process that owns the spool
 *
 * Invariants:
 * - append() resolves only after the bytes are fsynced: a scan reported as spooled survives kill -9.
 * - A record leaves the spool only when ack() moves the cursor past it, which the pusher does only
 *   after the server acknowledged it. A crash between "server stored" and "cursor moved" replays the
 *   record; the server dedupes by snapshot id, so it is stored once.
 * - cursor.json and losses.json are replaced atomically (write temp, fsync, rename, fsync dir).
 * - A torn last line (crash mid-write) is cut off at open; a line whose check fails is skipped and
 *   counted as corrupt, never passed on.
 * - Over maxBytes the oldest whole segments are dropped, counted, and kept as a LossReport until
 *   the server acknowledges it: never a silent drop.
 */
import { createHash } from 'node:crypto';
import {
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  truncate,
  type FileHandle,
} from 'node:fs/promises';
import { join } from 'node:path';
import type { LossReport } from '@vigilo/shared/agent-protocol';
import { uuidv7 } from '../util/uuidv7.ts';
import { acquireLock, type Lock } from './lock.ts';

/** Where a record ends: ack(position) acknowledges everything before it. */
export interface Position {
  segment: number;
  offset: number;
}

export interface SpoolRecord {
  id: string;
  scannedAt: string | null;
  /** The snapshot JSON exactly as appended (no re-serialisation on the way out). */
  json: string;
  end: Position;
}

export interface SpoolOptions {
  /** Cap on the bytes of unacknowledged records (default 64 MiB). */
  maxBytes?: number;
  /** A new segment starts past this size (default 1 MiB). */
  segmentBytes?: number;
}

interface Segment {
  seq: number;
  bytes: number;
  /** Offset just past each line: counts records without reading the file again. */
  ends: number[];
}

function lineEnds(data: Buffer, limit: number): number[] {
  const ends: number[] = [];
  for (let i = data.indexOf(10); i !== -1 && i < limit; i = data.indexOf(10, i + 1)) ends.push(i + 1);
  return ends;
}

const check = (json: string) => createHash('sha256').update(json).digest('hex').slice(0, 12);
const segmentName = (seq: number) => `${String(seq).padStart(12, '0')}.jsonl`;

/** Atomic replace: a reader sees the old file or the new one, never half of either. */
export async function writeAtomic(dir: string, name: string, data: string, mode = 0o600): Promise<void> {
  const tmp = join(dir, `.${name}.tmp`);
  const fh = await open(tmp, 'w', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, join(dir, name));
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

function parseLine(line: string): { id: string; scannedAt: string | null; json: string } | null {
  const tab = line.indexOf('\t');
  if (tab === -1) return null;
  const json = line.slice(tab + 1);
  if (check(json) !== line.slice(0, tab)) return null;
  try {
    const value = JSON.parse(json) as { id?: unknown; scanned_at?: unknown };
    if (typeof value.id !== 'string') return null;
    return { id: value.id, scannedAt: typeof value.scanned_at === 'string' ? value.scanned_at : null, json };
  } catch {
    return null;
  }
}

export class Spool {
  private segments: Segment[] = [];
  private cursor: Position = { segment: 0, offset: 0 };
  private losses: LossReport[] = [];
  private active: FileHandle | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  /** Lines that failed their check (disk corruption); reported by status, never pushed. */
  corrupt = 0;

  private constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
    private readonly segmentBytes: number,
    private readonly lock: Lock,
  ) {}

  private get segDir(): string {
    return join(this.dir, 'segments');
  }

  /** Opens (creating if needed) the spool in `dir`; fails if another live process holds it. */
  static async open(dir: string, options: SpoolOptions = {}): Promise<Spool> {
    await mkdir(join(dir, 'segments'), { recursive: true, mode: 0o700 });
    const lock = await acquireLock(join(dir, 'lock'));
    const spool = new Spool(
      dir,
      options.maxBytes ?? 64 * 1024 * 1024,
      options.segmentBytes ?? 1024 * 1024,
      lock,
    );
    await spool.load();
    return spool;
  }

  private async load(): Promise<void> {
    try {
      this.cursor = JSON.parse(await readFile(join(this.dir, 'cursor.json'), 'utf8')) as Position;
    } catch {
      this.cursor = { segment: 0, offset: 0 };
    }
    try {
      this.losses = JSON.parse(await readFile(join(this.dir, 'losses.json'), 'utf8')) as LossReport[];
    } catch {
      this.losses = [];
    }
    const names = (await readdir(this.segDir)).filter((n) => /^\d{12}\.jsonl$/.test(n)).sort();
    for (const name of names) {
      const seq = Number(name.slice(0, 12));
      const path = join(this.segDir, name);
      if (seq < this.cursor.segment) {
        await rm(path, { force: true }); // fully acknowledged; the crash came before its removal
        continue;
      }
      const data = await readFile(path);
      const complete = data.lastIndexOf(10) + 1;
      if (complete < data.length) await truncate(path, complete); // torn tail from a crash
      this.segments.push({ seq, bytes: complete, ends: lineEnds(data, complete) });
    }
    // Never append after a tail we did not write in this run: always start a fresh segment.
    const last = this.segments.at(-1)?.seq ?? this.cursor.segment;
    await this.openSegment(Math.max(last + 1, 1));
  }

  private async openSegment(seq: number): Promise<void> {
    await this.active?.close();
    this.active = await open(join(this.segDir, segmentName(seq)), 'a', 0o600);
    this.segments.push({ seq, bytes: 0, ends: [] });
  }

  /** Serialises mutations so appends, acks and drops never interleave. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Appends snapshots (any JSON-serialisable objects with an `id`); durable when it resolves. */
  append(snapshots: readonly { id: string }[]): Promise<void> {
    return this.exclusive(async () => {
      if (snapshots.length === 0) return;
      let seg = this.segments.at(-1)!;
      if (seg.bytes >= this.segmentBytes) {
        await this.openSegment(seg.seq + 1);
        seg = this.segments.at(-1)!;
      }
      const text = snapshots
        .map((s) => {
          const json = JSON.stringify(s);
          return `${check(json)}\t${json}\n`;
        })
        .join('');
      const bytes = Buffer.from(text);
      await this.active!.write(bytes);
      await this.active!.sync();
      for (const end of lineEnds(bytes, bytes.length)) seg.ends.push(seg.bytes + end);
      seg.bytes += bytes.length;
      await this.enforceCap();
    });
  }

  /** Bytes not yet acknowledged (approximate within the cursor's segment). */
  get pendingBytes(): number {
    return this.segments.reduce(
      (sum, s) => sum + (s.seq === this.cursor.segment ? s.bytes - this.cursor.offset : s.bytes),
      0,
    );
  }

  private async enforceCap(): Promise<void> {
    while (this.pendingBytes > this.maxBytes && this.segments.length > 1) {
      const oldest = this.segments[0]!;
      const records = await this.readSegment(
        oldest.seq,
        oldest.seq === this.cursor.segment ? this.cursor.offset : 0,
      );
      if (records.length) {
        this.losses.push({
          id: uuidv7(),
          dropped: records.length,
          oldest_scanned_at: records[0]!.scannedAt,
          newest_scanned_at: records.at(-1)!.scannedAt,
          reason: 'spool_full',
        });
        await writeAtomic(this.dir, 'losses.json', JSON.stringify(this.losses));
      }
      await this.moveCursor({ segment: this.segments[1]!.seq, offset: 0 });
    }
  }

  private async readSegment(seq: number, from: number): Promise<SpoolRecord[]> {
    let data: Buffer;
    try {
      data = await readFile(join(this.segDir, segmentName(seq)));
    } catch {
      return [];
    }
    const out: SpoolRecord[] = [];
    let at = from;
    for (;;) {
      const nl = data.indexOf(10, at);
      if (nl === -1) break;
      const parsed = parseLine(data.subarray(at, nl).toString('utf8'));
      if (parsed) out.push({ ...parsed, end: { segment: seq, offset: nl + 1 } });
      else this.corrupt++;
      at = nl + 1;
    }
    return out;
  }

  /** The oldest unacknowledged records, at most `maxCount` and about `maxBytes` of JSON. */
  async peek(maxCount: number, maxBytes = 4 * 1024 * 1024): Promise<SpoolRecord[]> {
    const out: SpoolRecord[] = [];
    let bytes = 0;
    for (const seg of [...this.segments]) {
      if (seg.seq < this.cursor.segment) continue;
      const records = await this.readSegment(
        seg.seq,
        seg.seq === this.cursor.segment ? this.cursor.offset : 0,
      );
      for (const r of records) {
        if (out.length >= maxCount || (out.length > 0 && bytes + r.json.length > maxBytes)) return out;
        out.push(r);
        bytes += r.json.length;
      }
    }
    return out;
  }

  /** Acknowledges everything before `end` (records from peek, in order). */
  ack(end: Position): Promise<void> {
    return this.exclusive(() => this.moveCursor(end));
  }

  private async moveCursor(end: Position): Promise<void> {
    const c = this.cursor;
    if (end.segment < c.segment || (end.segment === c.segment && end.offset <= c.offset)) return;
    this.cursor = end;
    await writeAtomic(this.dir, 'cursor.json', JSON.stringify(end));
    // Whole segments before the cursor are done; the active one stays until rotation.
    const activeSeq = this.segments.at(-1)!.seq;
    for (const seg of this.segments.filter((s) => s.seq < end.segment && s.seq !== activeSeq)) {
      await rm(join(this.segDir, segmentName(seg.seq)), { force: true });
    }
    this.segments = this.segments.filter((s) => s.seq >= end.segment || s.seq === activeSeq);
  }

  /** Loss reports waiting to be sent with the next push. */
  pendingLosses(): LossReport[] {
    return [...this.losses];
  }

  /** Records a loss the pusher decided on (e.g. a snapshot the server rejects as invalid). */
  recordLoss(report: LossReport): Promise<void> {
    return this.exclusive(async () => {
      this.losses.push(report);
      await writeAtomic(this.dir, 'losses.json', JSON.stringify(this.losses));
    });
  }

  /** Forgets loss reports the server acknowledged. */
  ackLosses(ids: readonly string[]): Promise<void> {
    return this.exclusive(async () => {
      const before = this.losses.length;
      this.losses = this.losses.filter((l) => !ids.includes(l.id));
      if (this.losses.length !== before)
        await writeAtomic(this.dir, 'losses.json', JSON.stringify(this.losses));
    });
  }

  /** Unacknowledged records (lines; a corrupt line counts until it is passed). Kept in memory. */
  get depth(): number {
    return this.segments.reduce(
      (n, s) =>
        n +
        (s.seq < this.cursor.segment
          ? 0
          : s.seq === this.cursor.segment
            ? s.ends.filter((e) => e > this.cursor.offset).length
            : s.ends.length),
      0,
    );
  }

  async close(): Promise<void> {
    await this.exclusive(async () => {
      await this.active?.close();
      this.active = null;
    });
    await this.lock.release();
  }
}

/** Size of a spool directory's segment files, for `status` without opening (and locking) it. */
export async function spoolBytes(dir: string): Promise<number> {
  try {
    const names = await readdir(join(dir, 'segments'));
    const sizes = await Promise.all(names.map(async (n) => (await stat(join(dir, 'segments', n))).size));
    return sizes.reduce((a, b) => a + b, 0);
  } catch {
    return 0;
  }
}
