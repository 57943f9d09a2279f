/**
 * The databases `npm run bench:ingest` runs against, both of its own so their CPU can be counted
 * and their settings are known:
 * - Postgres: by default the embedded Postgres of single-machine mode (npm's binaries, default
 *   settings, autovacuum on as in production) in a temporary folder, CPU counted over the whole
 *   server (postmaster, backends, WAL writer, autovacuum); with BENCH_PG=system, a throw-away
 *   database on DATABASE_URL's server, CPU counted over its backends only;
 * - Redis (scaled mode): a redis-server on a free port with `appendonly yes`, `appendfsync always`,
 *   what the README asks of a production Redis, so acknowledgements cost what they cost there.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type RedisServer, startRedisServer } from '@vigilo/tests/support/redis';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/embedded/postgres.ts';
import { createLogger } from '../src/observability/logger.ts';
import { cpuMs, treeMs } from './bench-cpu.ts';

export type BenchPostgres = {
  url: string;
  kind: 'embedded' | 'system';
  /** CPU ms used so far by what serves the bench's database. */
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
};

export async function startBenchPostgres(kind: 'embedded' | 'system'): Promise<BenchPostgres> {
  if (kind === 'embedded') {
    const home = await mkdtemp(path.join(os.tmpdir(), 'vigilo-bench-pg-'));
    const pgServer = await startEmbeddedPostgres(home, createLogger('warn'));
    return {
      url: pgServer.url,
      kind,
      cpuMs: () => Promise.resolve(treeMs(pgServer.pid)),
      stop: async () => {
        await pgServer.stop();
        await rm(home, { recursive: true, force: true });
      },
    };
  }
  const adminUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `vigilo_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();
  return {
    url,
    kind,
    cpuMs: async () => {
      const { rows } = await admin.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE datname = $1',
        [name],
      );
      return rows.reduce((n, r) => n + cpuMs(r.pid), 0);
    },
    stop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

export async function startBenchRedis(): Promise<RedisServer> {
  return startRedisServer({ appendonly: true, appendfsync: 'always' });
}
