import type pg from 'pg';
import { ownerInWorkspace } from '@vigilo/tests/support/database';
import { createTestDatabase, type TestDatabase } from '@vigilo/tests/support/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate, type Migration } from '../src/db/migrate.ts';
import { createPool } from '../src/db/pool.ts';
import { withWorkspace } from '../src/db/tx.ts';
import { verifyAudit } from '../src/platform/audit-log.ts';

/**
 * Every migration run on a database that holds the previous version's data, one step at a time,
 * as an installation upgrades: the rows stay, and what the step adds works on them. Each test is
 * one step and leaves its data for the next (0008 has its own file: dedup-migration.test.ts).
 */
let db: TestDatabase;
let pool: pg.Pool;
let migrations: Migration[];
const seeded: { instance?: string; workspace?: string; user?: string; host?: string; alert?: string } = {};

beforeAll(async () => {
  db = await createTestDatabase('migrations');
  // The server's own pool: its type parsers (bigint as number) and session time zone.
  pool = createPool(db.url, 3, 'migrations-test');
  migrations = await loadMigrations();
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

/** Migrates up to and including `version`. */
async function upTo(version: number): Promise<void> {
  expect(migrations[version - 1]?.version).toBe(version);
  const client = await pool.connect();
  try {
    await migrate(client, migrations.slice(0, version));
  } finally {
    client.release();
  }
}

/** Writes as the server's system paths do: as the owner, bound to the seeded workspace. */
const inAcme = <T>(fn: (c: pg.PoolClient) => Promise<T>) => ownerInWorkspace(pool, seeded.workspace!, fn);
const count = async (table: string) =>
  inAcme(async (c) => (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n);
const chain = () =>
  withWorkspace(
    pool,
    seeded.workspace!,
    { actor: { type: 'system', id: 'test' }, requestId: undefined },
    (tx) => verifyAudit(tx),
  );
const audit = (c: pg.PoolClient, action: string, targetId: string) =>
  c.query(
    `INSERT INTO audit_events (workspace_id, occurred_at, actor_type, actor_id, action, target_type, target_id, summary)
     VALUES ($1, now(), 'system', 'test', $2, 'test', $3, '{}')`,
    [seeded.workspace, action, targetId],
  );

describe('each migration upgrades a database holding the data of the one before', () => {
  it('0001 records the installation once', async () => {
    await upTo(1);
    const { rows } = await pool.query<{ instance_id: string }>('SELECT instance_id FROM instance');
    expect(rows).toHaveLength(1);
    seeded.instance = rows[0]!.instance_id;
  });

  it('0002 keeps the installation and takes workspaces, members and a hash-chained audit log', async () => {
    await upTo(2);
    expect((await pool.query('SELECT instance_id FROM instance')).rows).toEqual([
      { instance_id: seeded.instance },
    ]);
    // The workspace trigger binds the creating transaction to the new workspace (0002).
    const ws = await pool.query<{ id: string }>(
      "INSERT INTO workspaces (slug, name) VALUES ('acme', 'Acme') RETURNING id",
    );
    seeded.workspace = ws.rows[0]!.id;
    const user = await pool.query<{ id: string }>(
      "INSERT INTO users (issuer, subject, email) VALUES ('https://idp.test', 'ada', 'ada@example.test') RETURNING id",
    );
    seeded.user = user.rows[0]!.id;
    await inAcme(async (c) => {
      await c.query("INSERT INTO memberships (workspace_id, user_id, role) VALUES ($1, $2, 'owner')", [
        seeded.workspace,
        seeded.user,
      ]);
      await c.query(
        `INSERT INTO channels (workspace_id, name, type, config, event_types)
         VALUES ($1, 'ops', 'webhook', '{"url":"https://hooks.example.test/x"}', '{*}')`,
        [seeded.workspace],
      );
      await audit(c, 'workspace.created', seeded.workspace!);
      await audit(c, 'member.added', seeded.user!);
    });
    expect(await chain()).toMatchObject({ ok: true, checked: 2 });
  });

  it('0003 keeps the directory and its audit chain, and adds local accounts beside them', async () => {
    await upTo(3);
    expect([await count('memberships'), await count('channels'), await count('audit_events')]).toEqual([
      1, 1, 2,
    ]);
    expect(await chain()).toMatchObject({ ok: true, checked: 2 });
    await pool.query(
      "INSERT INTO local_accounts (email, name, password_hash) VALUES ('ada@example.test', 'Ada', '$argon2id$v=19$m=1,t=1,p=1$c2FsdA$aGFzaA')",
    );
  });

  it('0004 keeps accounts and the directory, and monitors the workspaces that existed', async () => {
    await upTo(4);
    expect((await pool.query('SELECT email FROM local_accounts')).rows).toEqual([
      { email: 'ada@example.test' },
    ]);
    await inAcme(async (c) => {
      const host = await c.query<{ id: string }>(
        "INSERT INTO hosts (workspace_id, hostname, port, interval_s) VALUES ($1, 'db.internal', 443, 3600) RETURNING id",
        [seeded.workspace],
      );
      seeded.host = host.rows[0]!.id;
      const rule = await c.query<{ id: string }>(
        `INSERT INTO alert_rules (workspace_id, name, predicate, scope, severity)
         VALUES ($1, 'expiry', '{"kind":"expires_within","days":14}', '{"kind":"all"}', 'critical') RETURNING id`,
        [seeded.workspace],
      );
      const alert = await c.query<{ id: string }>(
        `INSERT INTO alerts (workspace_id, rule_id, host_id, severity, summary, opened_at)
         VALUES ($1, $2, $3, 'critical', 'expires in 3 days', now()) RETURNING id`,
        [seeded.workspace, rule.rows[0]!.id, seeded.host],
      );
      seeded.alert = alert.rows[0]!.id;
      // One snapshot in a month partition of its own, one left in the default partition.
      await c.query('SELECT vigilo_ensure_snapshot_partition($1)', ['2031-08-01T00:00:00Z']);
      for (const at of ['2031-08-10T00:00:00Z', '2031-07-10T00:00:00Z']) {
        await c.query(
          `INSERT INTO snapshots (id, scanned_at, workspace_id, host_id, agent_id, reachable, body)
           VALUES (gen_random_uuid(), $1, $2, $3, gen_random_uuid(), true, '{}')`,
          [at, seeded.workspace, seeded.host],
        );
      }
    });
  });

  it('0005 starts the change log of every existing workspace at 0 and tracks changes from then on', async () => {
    await upTo(5);
    expect((await inAcme((c) => c.query('SELECT change_seq FROM workspace_heads'))).rows).toEqual([
      { change_seq: 0 },
    ]);
    await inAcme((c) => c.query("UPDATE hosts SET tags = '{prod}' WHERE id = $1", [seeded.host]));
    const { rows } = await inAcme((c) => c.query('SELECT seq, table_name, row_id, op FROM row_changes'));
    expect(rows).toEqual([{ seq: 1, table_name: 'hosts', row_id: seeded.host, op: 'upsert' }]);
    expect(await chain()).toMatchObject({ ok: true, checked: 2 });
  });

  // Known gap, kept visible: 0005 adds the triggers but copies no existing row into row_changes,
  // and replicas pull only from it, so a desktop of an upgraded installation never receives the
  // workspace, members, channels, rules or alerts that existed before 0005 until each changes.
  // The fix is a new migration that backfills the log; when it lands, drop `.fails`.
  it.fails('0005 puts the rows that existed before it into the change log for replicas', async () => {
    const { rows } = await inAcme((c) =>
      c.query<{ table_name: string }>('SELECT table_name FROM row_changes'),
    );
    expect(rows.map((r) => r.table_name).sort()).toEqual(
      expect.arrayContaining(['alert_rules', 'alerts', 'channels', 'hosts', 'memberships', 'workspaces']),
    );
  });

  it('0006 takes comments on the alerts that existed before it, replicated like the rest', async () => {
    await upTo(6);
    await inAcme((c) =>
      c.query(
        "INSERT INTO comments (id, workspace_id, target_type, target_id, body, author) VALUES (gen_random_uuid(), $1, 'alert', $2, 'renewing', 'ada')",
        [seeded.workspace, seeded.alert],
      ),
    );
    const { rows } = await inAcme((c) =>
      c.query<{ table_name: string; seq: number }>('SELECT table_name, seq FROM row_changes ORDER BY seq'),
    );
    expect(rows).toEqual([
      { table_name: 'hosts', seq: 1 },
      { table_name: 'comments', seq: 2 },
    ]);
  });

  it('0007 moves the default partition’s snapshots of a month into its partition when it is made', async () => {
    await upTo(7);
    await inAcme((c) => c.query('SELECT vigilo_ensure_snapshot_partition($1)', ['2031-07-15T00:00:00Z']));
    await inAcme((c) => c.query('SELECT vigilo_ensure_snapshot_partition($1)', ['2031-08-15T00:00:00Z'])); // exists: a no-op
    const { rows } = await inAcme((c) =>
      c.query<{ part: string }>('SELECT tableoid::regclass::text AS part FROM snapshots ORDER BY scanned_at'),
    );
    expect(rows.map((r) => r.part)).toEqual(['snapshots_2031_07', 'snapshots_2031_08']);
  });

  it('upgrades the rest of the way to the latest migration with all of it in place', async () => {
    await upTo(migrations.length);
    expect([
      await count('memberships'),
      await count('hosts'),
      await count('alerts'),
      await count('snapshots'),
    ]).toEqual([1, 1, 1, 2]);
    expect(await chain()).toMatchObject({ ok: true, checked: 2 });
  });
});

/**
 * The checksum of every landed migration, as it landed. A landed file is never edited: a
 * database that ran it keeps what it ran (0006 was once edited after landing, so installations
 * that had run it kept the old key). A change is a new migration; when one lands, add its line.
 */
const LANDED: ReadonlyArray<[number, string]> = [
  [1, '44a5e97420f7c2abf444c91986c15b6805ba2adf63443f3b6fcda7cc51f5616e'],
  [2, '7cdba9927260d1b23d57c1442c8ba223385c6f119981f70886cfb0d7d914cdfe'],
  [3, '7ca6ee44a6f59216bf3785868e2bae23ee0af5b2d80906f31db0778b64e0d3ba'],
  [4, '19b24675df796b22cbf64a8e1e3bfab392f568c91f7b30c514a6822b116a7e65'],
  [5, 'daddf470a502c2ba8d7db2bc33c1f3f2b708da8bafee1e054a86375dc6c46d33'],
  [6, '376bc1a1ae4777ae79e4c50af57393857a9f3b46f97f20d8aa97e0c85de9d497'],
  [7, 'a490221da6fea0a10a690a9a6af980bbbda5ebb3a0f394973636458e88b8bc43'],
  [8, '633d591129d84be89ae983334d03f61354c1ebd68d493921cb13cd3a4b1e1706'],
  [9, 'b707810a99de1f06a1810d3cf48725ac4bd951ab2b6bfa2bf0cc201ac96f34bb'],
  [10, '712d036cdcd267bc90840a8b0f55be59de175a498613180fc1faaeddeb0e8883'],
  [11, 'f790445eaf93d0f99f8d2b482429a3e764918679776d0e14fdc4a919850fd8ec'],
  [12, '8203daf4182960f58617d96b720e0168b969b7e034e32c1176f416ee475f17a2'],
  [13, '407de36b2856d4b5d425acaeeb779f81b0011fba9118e046eddba6fb12cb8264'],
  [14, 'b1d146ab445b5ee1753b3b929e7ab704894ac65137d382855e81d57a87c40d85'],
  [15, '066f1a79675dc5f57d6634005a80a3be07b7cf8ce14935560b2c5d4a08563d0c'],
  [16, '082108b35d1dddcc713a2f5318233be1cf411415cb91b34a8ec1b9ac086c6678'],
  [17, '51918fc54a190e4e7f3346108ee9835e0c2f6e1e00a2ff4799c7bdd9caa90c74'],
  [18, '94767cc0a53a862a654cc07a0e39de932ac9086fc631d302a4c804a1ade186a3'],
  [19, '5db4c82a9bcee48c1aa55edb44a013f05ead36f8f7bf8b5df7ccc66860319509'],
  [20, '342cc537561a3bd90222439032ea42fed458dd91637924190b6407112bd19fd1'],
  [21, '669fe225a8e6927a2c27772dc2291236ace88542cda2bf948f63897c2c1d70ba'],
  [22, '284aa1de198f5ffc3b56ea22dea62eff57cf92324239629e9efda86ad9bf149a'],
  [23, '914ffad5fe58324ae2b80fbd17eb24d0b6b5fbc64f00867f1624014172677b74'],
  [24, 'c1aa3040e1774f6e3032d61d99f918387214a35d276242359dbfcb53cd000c0f'],
  [25, '70aefa396681d630900e1ab13fdbd6293842505a9b59b4a0d41ef0163a2bdeee'],
  [26, 'd4bcdc4677f568ca26e0f97e685ad4884c2af1339f1127b365df030c9c933bb4'],
  [27, 'dbbcf45efbbc95c3ada95abc69b4342f20acd0ec9a4faf32bbf8dd71ff70c0ac'],
];

describe('landed migrations', () => {
  it('are left exactly as they landed', () => {
    expect(LANDED.map(([version]) => [version, migrations[version - 1]?.checksum])).toEqual(LANDED);
  });
});
