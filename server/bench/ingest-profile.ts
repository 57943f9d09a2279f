/**
 * Where a group transaction's time goes: `node --import tsx server/bench/ingest-profile.ts`.
 * Replays the worker's writer (writeGroup: PROFILE_GROUP batches of 100 snapshots in one
 * transaction) on the bench's own Postgres (bench-infra.ts) over PROFILE_HOSTS hosts with the
 * bench's churn, and times every statement it sends, after PROFILE_WARMUP rounds that fill the
 * status, certificate and rule tables. One process, one connection: no receiver, no Redis.
 * Prints a table (ms in total, calls, ms per call, the statement's start) and one JSON line with
 * the wall time and the CPU time of Postgres (the whole cluster) and of this process per group.
 */
import type { Snapshot } from '@vigilo/shared/snapshot';
import pg from 'pg';
import { loadMigrations, migrate } from '../src/db/migrate.ts';
import { writeGroup } from '../src/monitoring/ingest/ingest.ts';
import { distroPostgresBin, type PostgresKind, startBenchPostgres } from './bench-infra.ts';
import { seed } from './bench-setup.ts';
import { createFleet } from './bench-templates.ts';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const hostCount = env('PROFILE_HOSTS', 10_000);
const groupBatches = env('PROFILE_GROUP', 20);
const warmup = env('PROFILE_WARMUP', 3);
const rounds = env('PROFILE_ROUNDS', 5);

const postgres = await startBenchPostgres(
  (process.env.BENCH_PG ?? (distroPostgresBin() ? 'distro' : 'embedded')) as PostgresKind,
);
const owner = new pg.Pool({ connectionString: postgres.url, max: 2 });
owner.on('error', () => {});
try {
  const client = await owner.connect();
  await migrate(client, await loadMigrations());
  client.release();
  const world = await seed(owner, hostCount);
  const agentId = (await owner.query<{ id: string }>('SELECT id FROM agents')).rows[0]!.id;
  const fleet = createFleet(world.hosts, { renewal: 0.001, outage: 0.002 });

  // Every statement's time, keyed by its first words, as the pg client sends it.
  const times = new Map<string, { calls: number; ms: number }>();
  let timing = false;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- wrapped, and called with its `this`
  const send = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const first = args[0] as string | { text?: string };
    const key = (typeof first === 'string' ? first : (first.text ?? '?')).replace(/\s+/g, ' ').slice(0, 64);
    const t0 = performance.now();
    const result = send.apply(this, args);
    if (!timing || !(result instanceof Promise)) return result;
    return result.then((v: unknown) => {
      const entry = times.get(key) ?? { calls: 0, ms: 0 };
      entry.calls += 1;
      entry.ms += performance.now() - t0;
      times.set(key, entry);
      return v;
    });
  } as typeof pg.Client.prototype.query;

  const groupsPerRound = Math.ceil(hostCount / (groupBatches * 100));
  let at = Date.now() - 3_600_000;
  let groups = 0;
  let ms = 0;
  // CPU as well as wall time: on a shared machine the wall time of a statement is mostly waiting
  // for a core, while the CPU both processes spend per group moves far less with the load.
  let pgCpu = 0;
  let nodeCpu = 0;
  for (let round = 0; round < warmup + rounds; round++) {
    timing = round >= warmup;
    if (round === warmup) {
      pgCpu = -(await postgres.cpuMs());
      const u = process.cpuUsage();
      nodeCpu = -(u.user + u.system) / 1000;
    }
    for (let g = 0; g < groupsPerRound; g++) {
      const batches = Array.from({ length: groupBatches }, (_, b) => ({
        agentId,
        workspaceId: world.workspaceId,
        batchId: '00000000-0000-7000-8000-000000000000',
        snapshots: JSON.parse(fleet.batch((g * groupBatches + b) * 100, 100, (at += 10)).json) as Snapshot[],
        losses: [],
        receivedAt: new Date().toISOString(),
      }));
      const t0 = performance.now();
      await writeGroup({ owner, app: owner }, batches, new Date());
      if (timing) {
        ms += performance.now() - t0;
        groups += 1;
      }
    }
  }
  const perGroup = ms / groups;
  pgCpu += await postgres.cpuMs();
  const u = process.cpuUsage();
  nodeCpu += (u.user + u.system) / 1000;
  for (const [key, t] of [...times].sort((a, b) => b[1].ms - a[1].ms))
    process.stdout.write(
      `${(t.ms / groups).toFixed(1).padStart(8)} ms/group ${String(t.calls).padStart(5)} calls  ${key}\n`,
    );
  process.stdout.write(
    `${JSON.stringify({
      postgres: postgres.kind,
      hosts: hostCount,
      snapshots_per_group: groupBatches * 100,
      group_ms: Math.round(perGroup * 10) / 10,
      postgres_cpu_ms_per_group: Math.round((pgCpu / groups) * 10) / 10,
      node_cpu_ms_per_group: Math.round((nodeCpu / groups) * 10) / 10,
      snapshots_per_s_one_connection: Math.round((groupBatches * 100 * 1000) / perGroup),
    })}\n`,
  );
} finally {
  await owner.end();
  await postgres.stop();
}
