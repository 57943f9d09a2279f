import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../src/db/migrate.ts';
import { type Database, openDatabase, RUNTIME_ROLE } from '../../src/db/pool.ts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../src/embedded/postgres.ts';
import { createLogger } from '../../src/observability/logger.ts';

/**
 * The runtime role's login on a cluster that asks for passwords (SCRAM on loopback, as a fresh
 * Debian cluster in CI and the embedded Postgres do), with several Vigilo databases on it: the
 * role is shared by all of them, as by parallel test files.
 */
let home: string;
let cluster: EmbeddedPostgres;
const log = createLogger('silent');

function urlOf(database: string): string {
  const url = new URL(cluster.url);
  url.pathname = `/${database}`;
  return url.toString();
}

async function asOwner<T>(database: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: urlOf(database) });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const open = (database: string) =>
  openDatabase({ ownerUrl: urlOf(database), poolSize: 3, applicationName: 'runtime-login-test', log });

/** The role's stored SCRAM verifier (readable by the superuser owner only). */
const verifier = () =>
  asOwner('vigilo', async (c) => {
    const { rows } = await c.query<{ p: string | null }>(
      'SELECT rolpassword AS p FROM pg_authid WHERE rolname = $1',
      [RUNTIME_ROLE],
    );
    return rows[0]?.p;
  });

/** Opens `poolSize` sessions at once, so new connections are made now, and names their login. */
async function sessionsOf(db: Database): Promise<string[]> {
  const clients = await Promise.all([db.app.connect(), db.app.connect(), db.app.connect()]);
  try {
    const users = await Promise.all(
      clients.map(async (c) => (await c.query<{ u: string }>('SELECT session_user AS u')).rows[0]?.u ?? ''),
    );
    return users;
  } finally {
    for (const c of clients) c.release(true);
  }
}

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'vigilo-login-'));
  // As root, the embedded Postgres runs as an unprivileged user, who must traverse the folder.
  await chmod(home, 0o755);
  cluster = await startEmbeddedPostgres(path.join(home, 'data'), log);
  await asOwner('vigilo', async (c) => {
    for (const name of ['one', 'two', 'three']) await c.query(`CREATE DATABASE ${name}`);
  });
  const migrations = await loadMigrations();
  for (const name of ['one', 'two', 'three'])
    await asOwner(name, (c) => migrate(c, migrations).then(() => {}));
});
afterAll(async () => {
  await cluster?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

describe('the runtime login on a password-authenticated cluster', () => {
  it('lets processes of two databases start at once, each logging in as the runtime role', async () => {
    expect(await verifier()).toBeNull(); // 0002 made it without a login
    const dbs = await Promise.all([open('one'), open('one'), open('two'), open('two')]);
    try {
      // Every pool opens new connections after every other process has started: none was locked
      // out by another's start.
      for (const db of dbs) expect(await sessionsOf(db)).toEqual([RUNTIME_ROLE, RUNTIME_ROLE, RUNTIME_ROLE]);
    } finally {
      await Promise.all(dbs.map((db) => db.end()));
    }
  });

  it('does not change a password that works, so running servers keep logging in', async () => {
    const running = await open('one');
    try {
      const before = await verifier();
      expect(before).toMatch(/^SCRAM-SHA-256\$/);
      const another = await open('three');
      await another.end();
      expect(await verifier()).toBe(before);
      expect(await sessionsOf(running)).toEqual([RUNTIME_ROLE, RUNTIME_ROLE, RUNTIME_ROLE]);
    } finally {
      await running.end();
    }
  });

  it('sets the password again when it no longer works (changed by hand)', async () => {
    await asOwner('vigilo', (c) => c.query(`ALTER ROLE ${RUNTIME_ROLE} PASSWORD 'changed by someone'`));
    const db = await open('two');
    try {
      expect(await sessionsOf(db)).toEqual([RUNTIME_ROLE, RUNTIME_ROLE, RUNTIME_ROLE]);
    } finally {
      await db.end();
    }
  });

  it('refuses to start, naming VIGILO_APP_DATABASE_URL, when the login cannot be made to work', async () => {
    // An owner that may not change roles: the login cannot be prepared for it.
    await asOwner('vigilo', async (c) => {
      await c.query(`ALTER ROLE ${RUNTIME_ROLE} NOLOGIN`);
      await c.query("CREATE ROLE weak_owner LOGIN PASSWORD 'weak owner password'");
    });
    const url = new URL(urlOf('two'));
    url.username = 'weak_owner';
    url.password = 'weak%20owner%20password';
    const failed = await openDatabase({
      ownerUrl: url.toString(),
      poolSize: 1,
      applicationName: 'runtime-login-test',
      log,
    }).catch((err: unknown) => err);
    expect(failed).toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/VIGILO_APP_DATABASE_URL/),
    });
    expect((failed as Error).message).not.toContain('weak owner password');
  });
});
