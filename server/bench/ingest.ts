/**
 * `npm run bench:ingest`: agent pushes → server → committed snapshots, measured end to end.
 *
 * BENCH_MODE=scaled (default): a receiver process (VIGILO_ROLES=api,ingest) appends to a Redis
 * stream and a worker process (VIGILO_ROLES=worker) stores batches, rules evaluated, each batch one
 * transaction. BENCH_MODE=single: one process writing straight to Postgres. The load generator is
 * a third process. The last line printed is one JSON object.
 *
 * Env: BENCH_SECONDS (60), BENCH_CONCURRENCY (16), BENCH_HOSTS (500), DATABASE_URL (a superuser on
 * the local Postgres), REDIS_URL (redis://127.0.0.1:6379; the bench uses its own key prefix).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadMigrations, migrate } from '../src/db/migrate.ts';
import { mintToken } from '../src/platform/api-token-format.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
const mode = process.env.BENCH_MODE === 'single' ? 'single' : 'scaled';
const seconds = Number(process.env.BENCH_SECONDS ?? 60);
const hostCount = Number(process.env.BENCH_HOSTS ?? 500);
const adminUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const redisBase = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });

const dbName = `vigilo_bench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const dbUrl = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();
const home = await mkdtemp(path.join(os.tmpdir(), 'vigilo-bench-'));
const children: ChildProcess[] = [];
const redisPrefix = `vigilo:bench:${randomBytes(3).toString('hex')}:`;

try {
  const db = new pg.Pool({ connectionString: dbUrl, max: 4 });
  const client = await db.connect();
  await migrate(client, await loadMigrations());
  client.release();

  // A workspace, an agent and its hosts, as an admin would have made them.
  const ws = (
    await db.query<{ id: string }>(
      "INSERT INTO workspaces (slug, name) VALUES ('bench', 'Bench') RETURNING id",
    )
  ).rows[0]!.id;
  const cred = mintToken(ws, 'vga');
  const setup = await db.connect();
  await setup.query('BEGIN');
  await setup.query("SELECT set_config('vigilo.workspace_id', $1, true)", [ws]);
  const agentId = (
    await setup.query<{ id: string }>(
      "INSERT INTO agents (workspace_id, name, token_hash) VALUES ($1, 'bench', $2) RETURNING id",
      [ws, cred.hash],
    )
  ).rows[0]!.id;
  const hosts = await setup.query<{ id: string }>(
    `INSERT INTO hosts (workspace_id, hostname, port, interval_s, agent_id)
     SELECT $1, 'h' || g || '.bench.internal', 443, 300, $2 FROM generate_series(0, $3 - 1) g RETURNING id`,
    [ws, agentId, hostCount],
  );
  await setup.query(
    `INSERT INTO alert_rules (workspace_id, name, predicate, scope, severity) VALUES
       ($1, 'expiring', '{"kind":"expires_within","days":30}', '{"kind":"all"}', 'warning'),
       ($1, 'grade', '{"kind":"grade_below","grade":"B"}', '{"kind":"all"}', 'critical')`,
    [ws],
  );
  await setup.query('COMMIT');
  setup.release();

  const env = {
    ...process.env,
    DATABASE_URL: dbUrl,
    VIGILO_HOME: home,
    VIGILO_LOCAL_AGENT: 'false',
    VIGILO_LOG_LEVEL: 'warn',
    VIGILO_SECRET_KEY: randomBytes(32).toString('base64'),
    VIGILO_INGEST_MAX_BACKLOG: '2000',
  };
  const server = (roles: string, port: number, redis: boolean) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'server/src/cli/main.ts'), 'up'],
      {
        env: {
          ...env,
          VIGILO_PORT: String(port),
          VIGILO_ROLES: roles,
          ...(redis ? { REDIS_URL: redisBase, VIGILO_REDIS_PREFIX: redisPrefix } : {}),
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
  if (mode === 'scaled') {
    server('api,ingest', port, true);
    server('worker', await freePort(), true);
  } else {
    server('api,ingest,worker', port, false);
  }
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if ((await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  log(`${mode} mode up; ${hostCount} hosts; ${seconds}s of load`);

  const loadStart = new Date();
  const load = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'server/bench/ingest-load.ts')], {
    env: {
      ...process.env,
      BENCH_URL: base,
      BENCH_TOKEN: cred.token,
      BENCH_HOST_IDS: hosts.rows.map((h) => h.id).join(','),
      BENCH_SECONDS: String(seconds),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(load);
  let out = '';
  load.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  await new Promise((r) => load.once('exit', r));
  const loadEnd = new Date();
  const result = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as {
    acknowledged: number;
    ack_p50_ms: number;
    ack_p95_ms: number;
    ack_p99_ms: number;
    backpressure: number;
    rejected: number;
    rejected_why: Record<string, number>;
  };

  const count = async (until?: Date) =>
    (
      await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM snapshots ${until ? 'WHERE received_at <= $1' : ''}`,
        until ? [until] : [],
      )
    ).rows[0]!.n;
  const committedDuringLoad = await count(loadEnd);
  // Let the backlog drain (scaled mode), then count what was stored.
  let stored = await count();
  for (let idle = 0; stored < result.acknowledged && idle < 20;) {
    await new Promise((r) => setTimeout(r, 500));
    const now = await count();
    idle = now === stored ? idle + 1 : 0;
    stored = now;
  }
  const drainedAt = new Date();
  const distinct = (await db.query<{ n: number }>('SELECT count(DISTINCT id)::int AS n FROM snapshots'))
    .rows[0]!.n;
  const commit = await db.query<{ p95: number }>(
    'SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM (received_at - scanned_at)) * 1000) AS p95 FROM snapshots',
  );
  const loadSeconds = (loadEnd.getTime() - loadStart.getTime()) / 1000;
  const committedRate = committedDuringLoad / loadSeconds;
  const summary = {
    mode,
    seconds: Math.round(loadSeconds),
    snapshots_per_s: Math.round(committedRate),
    acknowledged_per_s: Math.round(result.acknowledged / loadSeconds),
    ack_p50_ms: result.ack_p50_ms,
    ack_p95_ms: result.ack_p95_ms,
    ack_p99_ms: result.ack_p99_ms,
    commit_p95_ms: Math.round(commit.rows[0]?.p95 ?? 0),
    acknowledged: result.acknowledged,
    stored,
    lost: Math.max(0, result.acknowledged - stored),
    duplicates: stored - distinct,
    backlog_at_end_s: Math.round(((drainedAt.getTime() - loadEnd.getTime()) / 1000) * 10) / 10,
    backpressure_answers: result.backpressure,
    rejected_batches: result.rejected,
    rejected_why: result.rejected_why,
  };
  await db.end();
  process.stdout.write(`${JSON.stringify(summary)}\n`);
} finally {
  for (const child of children) child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 2000));
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  const redis = new Redis(redisBase);
  const keys = await redis.keys(`${redisPrefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
  await rm(home, { recursive: true, force: true });
}
