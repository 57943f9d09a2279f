/**
 * The databases `npm run bench:ingest` runs against, both of its own so their CPU can be counted
 * and their settings are known:
 * - Postgres (BENCH_PG): `distro` (the default where installed) runs a cluster of the
 *   distribution's Postgres in a temporary folder with its default settings (autovacuum on as in
 *   production, lz4 available, as a scaled deployment's Postgres would be); `embedded` runs the
 *   npm binaries of single-machine mode the same way (no lz4 there). Either way CPU is counted over
 *   the whole server (postmaster, backends, WAL writer, autovacuum). `system` uses a throw-away
 *   database on DATABASE_URL's server, CPU counted over its backends only;
 * - Redis (scaled mode): a redis-server on a free port with `appendonly yes`, `appendfsync always`,
 *   what the README asks of a production Redis, so acknowledgements cost what they cost there.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type RedisServer, startRedisServer } from '@vigilo/tests/support/redis';
import pg from 'pg';
import pino from 'pino';
import { startEmbeddedPostgres } from '../src/embedded/postgres.ts';
import { createLogger } from '../src/observability/logger.ts';
import { cpuMs, treeMs } from './bench-cpu.ts';
import { statementsWanted } from './bench-statements.ts';
import { freePort } from './bench-setup.ts';

export type BenchPostgres = {
  url: string;
  kind: PostgresKind;
  /** CPU ms used so far by what serves the bench's database. */
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
};

export type PostgresKind = 'distro' | 'embedded' | 'system';

/** The newest distribution Postgres (Debian's /usr/lib/postgresql/<major>/bin), if installed. */
export function distroPostgresBin(): string | undefined {
  try {
    const majors = readdirSync('/usr/lib/postgresql').filter((d) => /^\d+$/.test(d));
    const newest = majors.sort((a, b) => Number(b) - Number(a))[0];
    return newest ? `/usr/lib/postgresql/${newest}/bin` : undefined;
  } catch {
    return undefined;
  }
}

export async function startBenchPostgres(kind: PostgresKind): Promise<BenchPostgres> {
  if (kind === 'distro') return startDistroPostgres();
  if (kind === 'embedded') {
    const home = await mkdtemp(path.join(os.tmpdir(), 'vigilo-bench-pg-'));
    // Postgres' own log lines, kept beside the servers' (.tmp/bench-postgres.log).
    const pgLog = createLogger(
      'debug',
      pino.destination({ dest: path.resolve('.tmp/bench-postgres.log'), sync: true }),
    );
    const pgServer = await startEmbeddedPostgres(home, pgLog);
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

/**
 * A cluster of the distribution's Postgres in a temporary folder on a free port, with its default
 * settings (autovacuum on, lz4 available), run as the `postgres` account when this is root.
 */
async function startDistroPostgres(): Promise<BenchPostgres> {
  const bin = distroPostgresBin();
  if (!bin) throw new Error('no distribution Postgres under /usr/lib/postgresql: use BENCH_PG=embedded');
  const home = await mkdtemp(path.join(os.tmpdir(), 'vigilo-bench-pgd-'));
  const data = path.join(home, 'data');
  // Postgres refuses to run as root: as root, the cluster belongs to the `postgres` account.
  const asUser: { uid?: number; gid?: number } =
    process.getuid?.() === 0
      ? {
          uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
          gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
        }
      : {};
  if (asUser.uid !== undefined && asUser.gid !== undefined) await chown(home, asUser.uid, asUser.gid);
  execFileSync(`${bin}/initdb`, ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C'], {
    ...asUser,
    stdio: 'ignore',
  });
  const port = await freePort();
  const child = spawn(
    `${bin}/postgres`,
    [
      ...['-D', data, '-p', String(port)],
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      // Statement times for the report (ingest.ts); the module costs a little per statement.
      ...(statementsWanted
        ? ['-c', 'shared_preload_libraries=pg_stat_statements', '-c', 'pg_stat_statements.track=all']
        : []),
    ],
    { ...asUser, stdio: ['ignore', 'ignore', openSync(path.resolve('.tmp/bench-postgres.log'), 'w')] },
  );
  const base = `postgres://postgres@127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const c = new pg.Client({ connectionString: `${base}/postgres` });
    try {
      await c.connect();
      await c.query('CREATE DATABASE vigilo');
      await c.end();
      break;
    } catch (err) {
      await c.end().catch(() => {});
      if (i > 100) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url: `${base}/vigilo`,
    kind: 'distro',
    cpuMs: () => Promise.resolve(treeMs(child.pid ?? 0)),
    stop: async () => {
      if (child.exitCode === null) {
        await new Promise((r) => {
          child.once('exit', r);
          child.kill('SIGINT');
        });
      }
      await rm(home, { recursive: true, force: true });
    },
  };
}
