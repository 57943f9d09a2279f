/**
 * The load generator of `npm run bench:ingest`, in its own process: simulated agents posting
 * realistic batches (about 2 KB per snapshot, BENCH_BATCH per batch) over loopback for
 * BENCH_SECONDS with BENCH_CONCURRENCY requests in flight. Prints one JSON line of results.
 */
import { gzipSync } from 'node:zlib';
import { makeSnapshot, uuidv7 } from '@vigilo/tests/support/snapshots';

const url = `${process.env.BENCH_URL}/agent/v1/snapshots`;
const token = process.env.BENCH_TOKEN ?? '';
const hostIds = (process.env.BENCH_HOST_IDS ?? '').split(',');
const seconds = Number(process.env.BENCH_SECONDS ?? 60);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
const batchSize = Number(process.env.BENCH_BATCH ?? 100);

const latencies: number[] = [];
let acknowledged = 0;
let rejected = 0;
const rejectedWhy = new Map<string, number>();
let backpressure = 0;
let bytes = 0;
const deadline = Date.now() + seconds * 1000;

async function client(n: number): Promise<void> {
  let i = n;
  while (Date.now() < deadline) {
    const snapshots = Array.from({ length: batchSize }, () => {
      i += 1;
      const hostId = hostIds[i % hostIds.length] ?? '';
      return makeSnapshot({
        hostId,
        hostname: `h${i % hostIds.length}.bench.internal`,
        scannedAt: new Date(),
        certSeed: `c${i % 500}`,
      });
    });
    const body = gzipSync(
      JSON.stringify({
        batch_id: uuidv7(),
        agent_version: 'bench',
        sent_at: new Date().toISOString(),
        snapshots,
      }),
    );
    bytes += body.length;
    const t0 = performance.now();
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      },
      body,
    }).catch(() => undefined);
    const ms = performance.now() - t0;
    if (res?.status === 200) {
      const ack = (await res.json()) as { accepted: string[]; duplicate: string[] };
      acknowledged += ack.accepted.length + ack.duplicate.length;
      latencies.push(ms);
    } else if (res?.status === 503) {
      backpressure += 1;
      await res.body?.cancel();
      await new Promise((r) => setTimeout(r, 200));
    } else {
      rejected += 1;
      // Why, kept for the report: a status and the start of the answer, or the network error.
      const why = res ? `${res.status} ${(await res.text()).slice(0, 160)}` : 'no answer (connection failed)';
      rejectedWhy.set(why, (rejectedWhy.get(why) ?? 0) + 1);
    }
  }
}

await Promise.all(Array.from({ length: concurrency }, (_, n) => client(n * 1_000_000)));
latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  Math.round((latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0) * 10) / 10;
process.stdout.write(
  `${JSON.stringify({ acknowledged, batches: latencies.length, rejected, rejected_why: Object.fromEntries(rejectedWhy), backpressure, gzip_bytes: bytes, ack_p50_ms: pct(0.5), ack_p95_ms: pct(0.95), ack_p99_ms: pct(0.99) })}\n`,
);
