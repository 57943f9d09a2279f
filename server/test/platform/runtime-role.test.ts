import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, RUNTIME_ROLE } from '../../src/db/pool.ts';
import { derivedRuntimeUrl } from '../../src/db/runtime-login.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createWorld, type World } from '@vigilo/tests/support/world';

let world: World;
let ownerName: string;
beforeAll(async () => {
  world = await createWorld();
  const member = world.client('member');
  await member.hosts.add.mutate({ workspace: 'acme', hostname: 'a.internal', port: 443, agentId: null });
  const outsider = world.client('outsider');
  await outsider.hosts.add.mutate({ workspace: 'other', hostname: 'b.internal', port: 443, agentId: null });
  const { rows } = await world.server.services.db.owner.query<{ u: string }>('SELECT current_user AS u');
  ownerName = rows[0]!.u;
});
afterAll(async () => {
  await world?.close();
});

/** What a session of the request pool is, and which hosts it sees with workspace A set. */
async function standing(client: pg.PoolClient) {
  const who = await client.query<{ current: string; session: string }>(
    'SELECT current_user AS current, session_user AS session',
  );
  await client.query('BEGIN');
  try {
    await client.query("SELECT set_config('vigilo.workspace_id', $1, true)", [world.workspace.id]);
    const hosts = await client.query<{ hostname: string }>('SELECT hostname FROM hosts ORDER BY 1');
    return { ...who.rows[0], hosts: hosts.rows.map((r) => r.hostname) };
  } finally {
    await client.query('ROLLBACK');
  }
}

describe('the request pool cannot leave the runtime role', () => {
  it('logs in as the runtime role itself, not as the owner', async () => {
    const client = await world.server.services.db.app.connect();
    try {
      expect(await standing(client)).toEqual({
        current: RUNTIME_ROLE,
        session: RUNTIME_ROLE,
        hosts: ['a.internal'],
      });
    } finally {
      client.release();
    }
  });

  // What an injected statement would try: each either fails or changes nothing, and the session
  // still sees only workspace A's hosts, never B's.
  const escapes = (owner: string) => [
    'RESET ROLE',
    'SET ROLE NONE',
    `SET ROLE ${owner}`,
    'SET ROLE postgres',
    `SET SESSION AUTHORIZATION ${owner}`,
    'SET SESSION AUTHORIZATION DEFAULT',
    'RESET SESSION AUTHORIZATION',
    'RESET ALL',
  ];

  it('stays the runtime role after every way of changing role, in a session and in a transaction', async () => {
    for (const statement of escapes(ownerName)) {
      const client = await world.server.services.db.app.connect();
      try {
        await client.query(statement).catch(() => undefined);
        expect({ statement, ...(await standing(client)) }).toEqual({
          statement,
          current: RUNTIME_ROLE,
          session: RUNTIME_ROLE,
          hosts: ['a.internal'],
        });
        // The same inside a request's transaction, where the workspace is already set.
        await client.query('BEGIN');
        await client.query("SELECT set_config('vigilo.workspace_id', $1, true)", [world.workspace.id]);
        await client.query('SAVEPOINT s');
        await client.query(statement).catch(() => client.query('ROLLBACK TO SAVEPOINT s'));
        const seen = await client.query<{ current: string; session: string; hosts: string[] }>(
          `SELECT current_user AS current, session_user AS session,
             array(SELECT hostname FROM hosts ORDER BY 1) AS hosts`,
        );
        await client.query('ROLLBACK');
        // RESET ALL also clears the workspace: then it sees nothing, which is as safe.
        const { current, session, hosts } = seen.rows[0]!;
        expect({ statement, current, session }).toEqual({
          statement,
          current: RUNTIME_ROLE,
          session: RUNTIME_ROLE,
        });
        expect(['a.internal']).toEqual(expect.arrayContaining(hosts));
      } finally {
        // Whatever the statement did to this session, it does not go back to the pool.
        client.release(true);
      }
    }
  });

  it('sees no host at all without a workspace, whatever it tried', async () => {
    const client = await world.server.services.db.app.connect();
    try {
      await client.query('SET ROLE NONE').catch(() => undefined);
      const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM hosts');
      expect(rows[0]?.n).toBe(0);
    } finally {
      client.release(true);
    }
  });
});

describe('VIGILO_APP_DATABASE_URL', () => {
  const open = (appUrl: string) =>
    openDatabase({
      ownerUrl: world.server.database.url,
      appUrl,
      poolSize: 1,
      applicationName: 'runtime-role-test',
      log: createLogger('silent'),
    });

  it('refuses a login that row-level security does not bind (here: the owner itself)', async () => {
    await expect(open(world.server.database.url)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/row-level security does not bind/),
    });
  });

  it('uses a confined login as given', async () => {
    const db = await open(derivedRuntimeUrl(world.server.database.url));
    try {
      const { rows } = await db.app.query<{ u: string }>('SELECT session_user AS u');
      expect(rows[0]?.u).toBe(RUNTIME_ROLE);
    } finally {
      await db.end();
    }
  });
});
