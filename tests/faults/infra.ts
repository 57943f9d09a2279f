/**
 * The fault suite's own Postgres and server processes, each restartable: nothing here touches the
 * machine's shared Postgres or Redis, which other tests use while this suite kills things.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { distroPostgresBin } from '../../server/bench/bench-infra.ts';
import { freePort } from '../../server/bench/bench-setup.ts';

export type PrivatePostgres = {
  url: string;
  /** Stops it the way a crash or an operator's `pg_ctl -m immediate` does (SIGQUIT). */
  crash(): Promise<void>;
  /** Starts it again after {@link crash} (crash recovery runs first). */
  start(): Promise<void>;
  stop(): Promise<void>;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A cluster of the distribution's Postgres in a temporary folder on a free port (as the
 * `postgres` account when this runs as root: Postgres refuses root).
 */
export async function startPrivatePostgres(logFile: string): Promise<PrivatePostgres> {
  const bin = distroPostgresBin();
  if (!bin) throw new Error('no distribution Postgres under /usr/lib/postgresql');
  const home = await mkdtemp(path.join(os.tmpdir(), 'vigilo-faults-pg-'));
  const data = path.join(home, 'data');
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
  const base = `postgres://postgres@127.0.0.1:${port}`;
  const log = openSync(logFile, 'a');
  let child: ChildProcess | undefined;
  const ready = async (create: boolean) => {
    for (let i = 0; ; i++) {
      const c = new pg.Client({ connectionString: `${base}/postgres` });
      c.on('error', () => {});
      try {
        await c.connect();
        if (create) await c.query('CREATE DATABASE vigilo');
        await c.end();
        return;
      } catch (err) {
        await c.end().catch(() => {});
        if (i > 300) throw err;
        await sleep(100);
      }
    }
  };
  const start = () => {
    child = spawn(
      `${bin}/postgres`,
      ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      { ...asUser, stdio: ['ignore', 'ignore', log] },
    );
  };
  const halt = async (signal: NodeJS.Signals) => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    await new Promise((r) => {
      running.once('exit', r);
      running.kill(signal);
    });
  };
  start();
  await ready(true);
  return {
    url: `${base}/vigilo`,
    crash: () => halt('SIGQUIT'),
    start: async () => {
      start();
      await ready(false);
    },
    stop: async () => {
      await halt('SIGINT');
      await rm(home, { recursive: true, force: true });
    },
  };
}

export type ServerProcess = {
  name: string;
  pid(): number | undefined;
  /** kill -9: nothing flushed, nothing finished. */
  kill(): Promise<void>;
  /** Starts it again with the same settings (as a supervisor such as systemd would). */
  start(): Promise<void>;
  signal(sig: NodeJS.Signals): void;
  stop(): Promise<void>;
};

/** `vigilo up` in a process of its own with the given roles; waits for its /readyz. */
export function serverProcess(opts: {
  name: string;
  root: string;
  env: Record<string, string>;
  port: number;
  logFile: string;
}): ServerProcess {
  let child: ChildProcess | undefined;
  const log = openSync(opts.logFile, 'a');
  const exited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;
  const halt = async (signal: NodeJS.Signals) => {
    const running = child;
    if (!running || exited(running)) return;
    await new Promise((r) => {
      running.once('exit', r);
      running.kill(signal);
    });
  };
  const start = async () => {
    child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(opts.root, 'server/src/cli/main.ts'), 'up'],
      {
        env: { ...process.env, ...opts.env, VIGILO_PORT: String(opts.port) },
        stdio: ['ignore', log, log],
      },
    );
    const started = child;
    const url = `http://127.0.0.1:${opts.port}/readyz`;
    for (let i = 0; i < 600; i++) {
      if (exited(started)) throw new Error(`${opts.name} exited while starting (see ${opts.logFile})`);
      // Every role serves the probes; ready means its runtime (workers included) has started.
      if ((await fetch(url).catch(() => undefined))?.status === 200) return;
      await sleep(250);
    }
    throw new Error(`${opts.name} did not become ready`);
  };
  return {
    name: opts.name,
    pid: () => child?.pid,
    kill: () => halt('SIGKILL'),
    start,
    signal: (sig) => child?.kill(sig),
    stop: async () => {
      const running = child;
      if (!running || exited(running)) return;
      const timer = setTimeout(() => running.kill('SIGKILL'), 10_000);
      await halt('SIGTERM');
      clearTimeout(timer);
    },
  };
}
