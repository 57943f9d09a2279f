/**
 * `npm run bench:ingest`: agent pushes → server → committed snapshots, measured end to end with
 * an open-loop load (ingest-load.ts) at a set offered rate.
 *
 * BENCH_MODE=scaled (default): a receiver process (VIGILO_ROLES=api,ingest) appends to a Redis
 * stream and a worker process (VIGILO_ROLES=worker) stores batches, several per transaction.
 * BENCH_MODE=single: one process writing straight to Postgres (group commit). Postgres and Redis
 * are the bench's own (bench-infra.ts); floors are measured on them first (bench-floors.ts). The
 * last line printed is one JSON object.
 *
 * Env: BENCH_RATE (10000 snapshots/s offered), BENCH_SECONDS (60, measured), BENCH_WARMUP_S (10,
 * sent but not measured), BENCH_HOSTS (10000), BENCH_BATCH (100), BENCH_CONNECTIONS (64),
 * BENCH_RENEWAL / BENCH_OUTAGE (per-scan churn, 0.001 / 0.002), BENCH_PG (distro | embedded | system),
 * BENCH_DRAIN_S (120: how long the backlog may take to drain after the load), BENCH_PG_STATEMENTS=1
 * (distro Postgres: statement times of the window in .tmp/bench-pg-statements.txt).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadMigrations, migrate } from '../src/db/migrate.ts';
import { cpuMs } from './bench-cpu.ts';
import { insertFloor, xaddFloor } from './bench-floors.ts';
import { distroPostgresBin, type PostgresKind, startBenchPostgres, startBenchRedis } from './bench-infra.ts';
import { countLost, countStored, freePort, seed } from './bench-setup.ts';
import { reportStatements, resetStatements, statementsWanted } from './bench-statements.ts';
import { createFleet } from './bench-templates.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
const mode = process.env.BENCH_MODE === 'single' ? 'single' : 'scaled';
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const seconds = env('BENCH_SECONDS', 60);
const hostCount = env('BENCH_HOSTS', 10_000);
const batchSize = env('BENCH_BATCH', 100);
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

const loadBefore = os.loadavg();
const home = await mkdtemp(path.join(os.tmpdir(), 'vigilo-bench-'));
const pgKind = (process.env.BENCH_PG ?? (distroPostgresBin() ? 'distro' : 'embedded')) as PostgresKind;
const postgres = await startBenchPostgres(pgKind);
const redis = mode === 'scaled' ? await startBenchRedis() : undefined;
const children: ChildProcess[] = [];
let db: pg.Pool | undefined;

try {
  db = new pg.Pool({ connectionString: postgres.url, max: 4 });
  // An idle connection dropped when Postgres stops must not take the bench down with it.
  db.on('error', () => {});
  const client = await db.connect();
  await migrate(client, await loadMigrations());
  client.release();
  const world = await seed(db, hostCount);
  const fleet = createFleet(world.hosts, { renewal: 0, outage: 0 });

  log(`measuring floors on ${postgres.kind} Postgres${redis ? ' and Redis (appendfsync always)' : ''}`);
  const floorInsert = await insertFloor(db, fleet, world.workspaceId, 5);
  let floorXadd: number | undefined;
  if (redis) {
    const r = new Redis(redis.url);
    floorXadd = (await xaddFloor(r, fleet, batchSize, 3)) * batchSize;
    r.disconnect();
  }

  const server = (roles: string, port: number) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'server/src/cli/main.ts'), 'up'],
      {
        env: {
          ...process.env,
          DATABASE_URL: postgres.url,
          VIGILO_HOME: home,
          VIGILO_LOCAL_AGENT: 'false',
          VIGILO_LOG_LEVEL: 'warn',
          VIGILO_SECRET_KEY: world.secretKey,
          VIGILO_PORT: String(port),
          VIGILO_ROLES: roles,
          ...(redis ? { REDIS_URL: redis.url, VIGILO_REDIS_PREFIX: 'vigilo:bench:' } : {}),
        },
        // The servers' logs (errors behind a rejected batch) go to a file beside the report.
        stdio: [
          'ignore',
          openSync(path.join(ROOT, `.tmp/bench-ingest-${roles.replace(/\W/g, '-')}.log`), 'w'),
          'inherit',
        ],
      },
    );
    children.push(child);
    return child;
  };
  const port = await freePort();
  const procs: Record<string, ChildProcess> =
    mode === 'scaled'
      ? { receiver: server('api,ingest', port), worker: server('worker', await freePort()) }
      : { server: server('api,ingest,worker', port) };
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 240 && (await fetch(`${base}/readyz`).catch(() => undefined))?.status !== 200; i++)
    await new Promise((r) => setTimeout(r, 250));
  log(
    `${mode} mode up; ${hostCount} hosts; ${env('BENCH_RATE', 10_000)} snapshots/s offered for ${seconds} s`,
  );

  const ackedFile = path.join(home, 'acked.txt');
  // Too long for an environment variable (Linux caps one at 128 KB).
  const hostsFile = path.join(home, 'hosts.json');
  await writeFile(hostsFile, JSON.stringify(world.hosts));
  const load = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'server/bench/ingest-load.ts')], {
    env: {
      ...process.env,
      BENCH_URL: base,
      BENCH_TOKEN: world.token,
      BENCH_HOSTS_FILE: hostsFile,
      BENCH_ACKED_FILE: ackedFile,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(load);
  const named: Record<string, ChildProcess> = { ...procs, load };
  const sample = async () => {
    const out: Record<string, number> = {};
    for (const [name, child] of Object.entries(named)) out[name] = cpuMs(child.pid);
    if (redis) out.redis = cpuMs(redis.pid());
    out.postgres = await postgres.cpuMs();
    return { at: Date.now(), cpu: out };
  };
  let opened: Awaited<ReturnType<typeof sample>> | undefined;
  let closed: Awaited<ReturnType<typeof sample>> | undefined;
  let out = '';
  const sampling: Array<Promise<void>> = [];
  load.stdout?.on('data', (c: Buffer) => {
    out += c.toString('utf8');
    if (!opened && out.includes('window-open')) {
      sampling.push(sample().then((s) => void (opened = s)));
      if (statementsWanted && db) sampling.push(resetStatements(db));
    }
    if (!closed && out.includes('window-close')) sampling.push(sample().then((s) => void (closed = s)));
  });
  await new Promise((r) => load.once('exit', r));
  await Promise.all(sampling);
  const [from, to] = [opened, closed] as Array<Awaited<ReturnType<typeof sample>> | undefined>;
  if (!from || !to) throw new Error('the load generator did not report its window');
  const result = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Record<string, number> & {
    acknowledged: number;
    acknowledged_in_window: number;
    rejected_why: Record<string, number>;
  };

  const windowS = (to.at - from.at) / 1000;
  const committed = await countStored(db, new Date(from.at), new Date(to.at));
  if (statementsWanted)
    await reportStatements(db, committed, path.join(ROOT, '.tmp/bench-pg-statements.txt'));
  const loadEnd = Date.now();
  // Let the backlog drain (scaled mode), then compare what was stored with what was acknowledged.
  let stored = await countStored(db);
  let lastGrowth = loadEnd;
  // Done when all that was acknowledged is stored and stays so for 2 s, or nothing moves for 10 s.
  for (let idle = 0; !(stored >= result.acknowledged && idle >= 4) && idle < 20;) {
    if (Date.now() - loadEnd > env('BENCH_DRAIN_S', 120) * 1000) break;
    await new Promise((r) => setTimeout(r, 500));
    const now = await countStored(db);
    if (now !== stored) lastGrowth = Date.now();
    idle = now === stored ? idle + 1 : 0;
    stored = now;
  }
  const ackedIds = (await readFile(ackedFile, 'utf8')).split('\n').filter(Boolean);
  const lost = await countLost(db, world.workspaceId, ackedIds);
  // Cut off by BENCH_DRAIN_S with a backlog left, "lost" would count what is merely still queued.
  const drained = stored >= result.acknowledged;
  if (!drained)
    log(
      `the backlog did not drain within BENCH_DRAIN_S: ${result.acknowledged - stored} acknowledged snapshots not yet stored; "lost" is not a loss count in this run`,
    );
  const duplicates = (
    await db.query<{ n: number }>('SELECT (count(*) - count(DISTINCT id))::int AS n FROM snapshots')
  ).rows[0]!.n;
  // Per snapshot each process handled in the window: the receiving side (receiver, Redis, the
  // load generator) per acknowledged snapshot, the storing side (worker, Postgres; the single
  // server does both) per committed one.
  const handled: Record<string, number> = {
    receiver: result.acknowledged_in_window,
    redis: result.acknowledged_in_window,
    load: result.acknowledged_in_window,
  };
  const perSnapshot = Object.fromEntries(
    Object.keys(to.cpu).map((k) => {
      const n = handled[k] ?? committed;
      return [k, n > 0 ? round((to.cpu[k]! - from.cpu[k]!) / n) : null];
    }),
  ) as Record<string, number | null>;
  const total = Object.values(perSnapshot).reduce<number>((n, v) => n + (v ?? 0), 0);
  const summary = {
    mode,
    offered_per_s: result.offered_per_s,
    seconds: round(windowS, 1),
    snapshots_per_s: Math.round(committed / windowS),
    acknowledged_per_s: Math.round(result.acknowledged_in_window / seconds),
    ack_p50_ms: result.ack_p50_ms,
    ack_p95_ms: result.ack_p95_ms,
    ack_p99_ms: result.ack_p99_ms,
    ack_max_ms: result.ack_max_ms,
    acknowledged: result.acknowledged,
    stored,
    lost,
    drained,
    duplicates,
    backlog_after_s: round((lastGrowth - loadEnd) / 1000, 1),
    backpressure_answers: result.backpressure,
    rejected_batches: result.rejected,
    rejected_why: result.rejected_why,
    cpu_ms_per_snapshot: { ...perSnapshot, total: round(total) },
    floor_insert_per_s: floorInsert,
    floor_xadd_snapshots_per_s: floorXadd,
    postgres: postgres.kind,
    hosts: hostCount,
    gzip_bytes_per_batch: result.gzip_bytes_per_batch,
    load_1m_before: round(loadBefore[0]!, 2),
    load_1m_after: round(os.loadavg()[0]!, 2),
    cpus: os.cpus().length,
    node: process.version,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
} finally {
  await db?.end();
  for (const child of children) child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 2000));
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await redis?.stop();
  await postgres.stop();
  await rm(home, { recursive: true, force: true });
}
