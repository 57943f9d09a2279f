import type { Snapshot } from '@vigilo/shared/snapshot';
import { enrollAgent, type TestAgent } from '@vigilo/tests/support/agent';
import { makeSnapshot } from '@vigilo/tests/support/snapshots';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withWorkspace, type WorkspaceTx } from '../../src/db/tx.ts';
import { ensurePartitions } from '../../src/monitoring/ingest/ingest.ts';
import { storeBatch } from '../../src/monitoring/ingest/store-batch.ts';

/**
 * What ingest costs the desktop's change log: a re-scan that finds what the last one found writes
 * no change and does not touch the workspace head; a batch that changes several hosts advances
 * the head once per statement, not once per row, and every real change still reaches a replica.
 * Rule states are written only when they move.
 */
let world: World;
let agent: TestAgent;
const hosts: Array<{ id: string; hostname: string }> = [];
const DAY = 86_400_000;
const notAfter = new Date(Date.now() + 200 * DAY);

beforeAll(async () => {
  world = await createWorld();
  agent = await enrollAgent(world);
  for (let i = 0; i < 3; i++) {
    const hostname = `ic${i}.internal`;
    const { id } = await world
      .client('member')
      .hosts.add.mutate({ workspace: 'acme', hostname, port: 443, agentId: agent.id });
    hosts.push({ id, hostname });
  }
});
afterAll(async () => {
  await world?.close();
});

const scan = (grade: 'A' | 'B' = 'A', at = new Date()) =>
  hosts.map((h) =>
    makeSnapshot({
      hostId: h.id,
      hostname: h.hostname,
      scannedAt: at,
      notAfter,
      grade,
      certSeed: h.hostname,
    }),
  );

/** What one batch's transaction did to the change log, read inside it (pg_stat_xact_*). */
async function store(snapshots: Snapshot[]) {
  await ensurePartitions(world.server.services.db.owner, snapshots);
  return withWorkspace(
    world.server.services.db.app,
    world.workspace.id,
    { actor: { type: 'agent', id: agent.id }, requestId: undefined },
    async (tx: WorkspaceTx) => {
      // The session's counts not yet reported (earlier transactions' too): the batch's are the difference.
      const counts = async () => {
        const { rows } = await tx.query<{ relname: string; ins: number; upd: number }>(
          `SELECT relname, n_tup_ins::int AS ins, n_tup_upd::int AS upd FROM pg_stat_xact_user_tables
           WHERE relname IN ('workspace_heads', 'row_changes')`,
        );
        const of = (t: string) => rows.find((r) => r.relname === t) ?? { ins: 0, upd: 0 };
        return { heads: of('workspace_heads').upd, log: of('row_changes').ins + of('row_changes').upd };
      };
      const before = await counts();
      await storeBatch(tx, agent.id, snapshots, [], new Date());
      const after = await counts();
      return { headUpdates: after.heads - before.heads, logWrites: after.log - before.log };
    },
  );
}

const head = async () =>
  (
    await world.server.services.db.owner.query<{ seq: number }>(
      'SELECT change_seq::int AS seq FROM workspace_heads WHERE workspace_id = $1',
      [world.workspace.id],
    )
  ).rows[0]!.seq;

describe('change-log work of ingest', () => {
  it('writes the first scan of each host to the change log, and nothing for a re-scan that found the same', async () => {
    const first = await store(scan('A', new Date(Date.now() - 60_000)));
    expect(first.logWrites).toBeGreaterThan(0);
    const before = await head();
    const versions = () =>
      world.server.services.db.owner
        .query<{ xmin: string }>(
          `SELECT xmin::text FROM certificates WHERE workspace_id = $1
           UNION ALL SELECT xmin::text FROM host_certificates WHERE workspace_id = $1 ORDER BY 1`,
          [world.workspace.id],
        )
        .then((r) => r.rows);
    const certificates = await versions();
    const again = await store(scan('A'));
    expect(again).toEqual({ headUpdates: 0, logWrites: 0 });
    expect(await head()).toBe(before);
    // Nor are the certificates rewritten: last_seen is kept to the hour.
    expect(await versions()).toEqual(certificates);
  });

  it('advances the head once for a statement that changes several hosts, and a replica receives each change', async () => {
    const cursor = await head();
    const changed = await store(scan('B', new Date(Date.now() + 60_000)));
    // One status statement changing three rows: one head update for the change log (0005's row
    // trigger made three), and one for the transaction's single host.status_changed event.
    expect(changed.headUpdates).toBe(2);
    expect(await head()).toBe(cursor + 3);
    const page = await world.client('viewer').sync.pull.query({ workspace: 'acme', cursor, limit: 100 });
    const status = page.changes.filter((c) => c.table === 'host_status');
    expect(status.map((c) => c.seq)).toEqual([cursor + 1, cursor + 2, cursor + 3]);
    expect(status.map((c) => c.row?.grade)).toEqual(['B', 'B', 'B']);
    expect(new Set(status.map((c) => c.rowId))).toEqual(new Set(hosts.map((h) => h.id)));
  });

  it('writes a rule state only when it moves, and stops counting a streak at the rule’s thresholds', async () => {
    const rule = await world.client('admin').alertRules.create.mutate({
      workspace: 'acme',
      name: 'grade below A',
      predicate: { kind: 'grade_below', grade: 'A' },
      scope: { kind: 'host', hostId: hosts[0]!.id },
      severity: 'info',
      openAfter: 100,
    });
    const state = async () =>
      (
        await world.server.services.db.owner.query<{ streak: number; xmin: string }>(
          'SELECT streak, xmin::text FROM rule_states WHERE rule_id = $1',
          [rule.id],
        )
      ).rows[0];
    let at = Date.now() + 120_000;
    await store(scan('B', new Date((at += 1000))));
    expect((await state())?.streak).toBeLessThan(99);
    await world.server.services.db.owner.query('UPDATE rule_states SET streak = 99 WHERE rule_id = $1', [
      rule.id,
    ]);
    await store(scan('B', new Date((at += 1000))));
    const capped = await state();
    expect(capped?.streak).toBe(100);
    // Settled: the same result again changes nothing, so the row is not rewritten.
    await store(scan('B', new Date((at += 1000))));
    expect(await state()).toEqual(capped);
    // The streak reached the rule's threshold on the way: its alert is open.
    const { rowCount } = await world.server.services.db.owner.query(
      "SELECT 1 FROM alerts WHERE rule_id = $1 AND state = 'open'",
      [rule.id],
    );
    expect(rowCount).toBe(1);
  });
});
