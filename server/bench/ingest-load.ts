/**
 * The load generator of `npm run bench:ingest`, in its own process: open loop. Batches are sent
 * on a fixed schedule at BENCH_RATE snapshots/s (BENCH_BATCH per batch), whether or not earlier
 * ones were answered, over up to BENCH_CONNECTIONS keep-alive connections; a batch's latency runs
 * from its scheduled send time to its answer, so time spent waiting for a free connection counts
 * (no coordinated omission). Every batch is built and gzip'd before the clock starts
 * (bench-templates.ts), so this process spends the run sending.
 *
 * The first BENCH_WARMUP_S seconds are sent but not measured. Prints `window <start> <end>` lines
 * as the measured window opens and closes (the orchestrator samples CPU then), writes the ids of
 * every acknowledged snapshot to BENCH_ACKED_FILE, and prints one JSON line of results.
 */
import { readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { PushBatchRequest } from '@vigilo/shared/agent-protocol';
import { createFleet } from './bench-templates.ts';

const url = new URL(`${process.env.BENCH_URL}/agent/v1/snapshots`);
const token = process.env.BENCH_TOKEN ?? '';
const hosts = JSON.parse(await readFile(process.env.BENCH_HOSTS_FILE ?? '', 'utf8')) as Array<{
  id: string;
  hostname: string;
}>;
const rate = Number(process.env.BENCH_RATE ?? 10_000);
const seconds = Number(process.env.BENCH_SECONDS ?? 60);
const warmup = Number(process.env.BENCH_WARMUP_S ?? 10);
const batchSize = Number(process.env.BENCH_BATCH ?? 100);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
const ackedFile = process.env.BENCH_ACKED_FILE ?? '';
const log = (msg: string) => process.stderr.write(`[load] ${msg}\n`);

const interval = (1000 * batchSize) / rate;
const total = Math.ceil(((warmup + seconds) * 1000) / interval);
const fleet = createFleet(hosts, {
  renewal: Number(process.env.BENCH_RENEWAL ?? 0.001),
  outage: Number(process.env.BENCH_OUTAGE ?? 0.002),
});

// Built ahead, with scan times on the schedule (from an estimate of when building ends).
const built = performance.now();
const planned = Date.now() + 1000 + total * 4;
const batches: Array<{ body: Buffer; ids: string[] }> = [];
for (let i = 0; i < total; i++) {
  const at = planned + i * interval;
  const { json, ids } = fleet.batch(i * batchSize, batchSize, at);
  const body = `{"batch_id":"${ids[0]}","agent_version":"bench","sent_at":"${new Date(at).toISOString()}","snapshots":${json},"losses":[]}`;
  if (i === 0) PushBatchRequest.parse(JSON.parse(body)); // the templates hold: one full check
  batches.push({ body: gzipSync(body), ids });
}
const bytes = batches.reduce((n, b) => n + b.body.length, 0);
log(
  `${total} batches built in ${Math.round(performance.now() - built)} ms (${Math.round(bytes / total)} B gzip each)`,
);
const start = Date.now() + 500;

const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const latencies: number[] = [];
const acked: string[] = [];
const counts = {
  sent: 0,
  acknowledged: 0,
  backpressure: 0,
  rejected: 0,
  measured: 0,
  measuredAcknowledged: 0,
  answeredInWindow: 0,
};
const rejectedWhy = new Map<string, number>();
const windowStart = start + warmup * 1000;
const windowEnd = windowStart + seconds * 1000;

function send(i: number, at: number): Promise<void> {
  const { body, ids } = batches[i]!;
  return new Promise((resolve) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          'content-length': body.length,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const ms = Date.now() - at;
          const measured = at >= windowStart && at < windowEnd;
          if (res.statusCode === 200) {
            counts.acknowledged += ids.length;
            // Answered inside the window (whenever it was sent): the rate the server acknowledged at.
            const answered = Date.now();
            if (answered >= windowStart && answered < windowEnd) counts.answeredInWindow += ids.length;
            acked.push(...ids);
            if (measured) {
              latencies.push(ms);
              counts.measuredAcknowledged += ids.length;
            }
          } else if (res.statusCode === 503) counts.backpressure += 1;
          else {
            counts.rejected += 1;
            const why = `${res.statusCode} ${Buffer.concat(chunks).toString('utf8').slice(0, 160)}`;
            rejectedWhy.set(why, (rejectedWhy.get(why) ?? 0) + 1);
          }
          if (measured) counts.measured += 1;
          resolve();
        });
      },
    );
    req.on('error', (err) => {
      counts.rejected += 1;
      rejectedWhy.set(`no answer: ${err.message}`, (rejectedWhy.get(`no answer: ${err.message}`) ?? 0) + 1);
      resolve();
    });
    req.end(body);
  });
}

const inFlight = new Set<Promise<void>>();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
await sleep(start - Date.now());
let windowOpened = false;
for (let i = 0; i < total; i++) {
  const at = start + i * interval;
  if (at > Date.now()) await sleep(at - Date.now());
  if (!windowOpened && at >= windowStart) {
    windowOpened = true;
    process.stdout.write(`window-open ${Date.now()}\n`);
  }
  counts.sent += 1;
  const p = send(i, Math.round(at)).finally(() => inFlight.delete(p));
  inFlight.add(p);
}
process.stdout.write(`window-close ${Date.now()}\n`);
await Promise.all([...inFlight]);
agent.destroy();
if (ackedFile) await writeFile(ackedFile, `${acked.join('\n')}\n`);

latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
process.stdout.write(
  `${JSON.stringify({
    offered_per_s: rate,
    batches: counts.sent,
    measured_batches: counts.measured,
    measured_acknowledged: counts.measuredAcknowledged,
    acknowledged_in_window: counts.answeredInWindow,
    acknowledged: counts.acknowledged,
    backpressure: counts.backpressure,
    rejected: counts.rejected,
    rejected_why: Object.fromEntries(rejectedWhy),
    gzip_bytes_per_batch: Math.round(bytes / total),
    ack_p50_ms: pct(0.5),
    ack_p95_ms: pct(0.95),
    ack_p99_ms: pct(0.99),
    ack_max_ms: latencies.at(-1) ?? 0,
    window_start: windowStart,
    window_end: windowEnd,
  })}\n`,
);
