import { randomUUID } from 'node:crypto';
import { ownerInWorkspace } from '@vigilo/tests/support/database';
import type Database from 'better-sqlite3';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { reliabilityJobs } from '../../server/src/jobs/reliability-jobs.ts';
import { createScheduler, type Scheduler } from '../../server/src/jobs/scheduler.ts';
import { createLogger } from '../../server/src/observability/logger.ts';
import { listSlosOrReplica } from '../src/core/slos-replica.ts';
import { openCore, switchableNetwork, tempDir } from './support/core.ts';

/**
 * SLOs offline, against the real server: a desktop's sync brings each SLO and the snapshot of its
 * last evaluation; with the network cut the SLO list answers from the replica with the same
 * figures, read-only; a burn the evaluation job finds reaches the replica through the change log,
 * while an evaluation that moved nothing writes nothing there; and another workspace's SLOs never
 * reach this replica.
 */
const MIN = 60_000;
let now = new Date('2026-11-30T12:00:00.000Z');
const clock = () => now;
let world: World;
let scheduler: Scheduler;
const cleanups: Array<() => unknown> = [];

beforeAll(async () => {
  world = await createWorld({ clock });
  scheduler = createScheduler({
    owner: world.server.services.db.owner,
    jobs: reliabilityJobs(world.server.services.db.owner),
    clock,
    log: createLogger('silent'),
    autoStart: false,
  });
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await scheduler?.stop();
  await world?.close();
});

function desktopOf(who: string, workspace: string) {
  const tmp = tempDir();
  const network = switchableNetwork();
  const { core } = openCore({
    dataDir: tmp.dir,
    serverUrl: world.server.url,
    workspace,
    token: world.tokens[who] ?? '',
    fetch: network.fetch,
    clock,
  });
  cleanups.push(() => tmp.cleanup());
  cleanups.push(() => core.close());
  return { c: core, network };
}

/** One scan a minute of `host` over [from, to), reachable or not. */
async function scans(workspaceId: string, host: string, from: Date, to: Date, reachable: boolean) {
  const rows: Array<{ id: string; scanned_at: string; reachable: boolean }> = [];
  for (let t = from.getTime(); t < to.getTime(); t += MIN)
    rows.push({ id: randomUUID(), scanned_at: new Date(t).toISOString(), reachable });
  await ownerInWorkspace(world.server.services.db.owner, workspaceId, (c) =>
    c.query(
      `INSERT INTO snapshots (id, scanned_at, workspace_id, host_id, agent_id, reachable, handshake_ms, body)
       SELECT x.id, x.scanned_at, $2, $3, $4, x.reachable, CASE WHEN x.reachable THEN 40 END, '{}'
       FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, scanned_at timestamptz, reachable boolean)`,
      [JSON.stringify(rows), workspaceId, host, randomUUID()],
    ),
  );
}

/** Moves the clock and runs the evaluation job as the scheduler does. */
async function evaluateAt(at: Date): Promise<void> {
  now = at;
  expect(await scheduler.tick()).toEqual(['evaluate-slos']);
}

/** Where the SLO's snapshot stands in its workspace's change log (undefined: not in it). */
async function statusSeq(workspaceId: string, sloId: string): Promise<number | undefined> {
  const { rows } = await ownerInWorkspace(world.server.services.db.owner, workspaceId, (c) =>
    c.query<{ seq: number }>(
      "SELECT seq FROM row_changes WHERE workspace_id = $1 AND table_name = 'slo_status' AND row_id = $2",
      [workspaceId, sloId],
    ),
  );
  return rows[0]?.seq;
}

/** The ids of the SLO rows and snapshots a replica holds. */
function replicated(db: Database.Database): string[] {
  return db
    .prepare<[], { k: string }>(
      "SELECT tbl || ' ' || id AS k FROM records WHERE tbl IN ('slos', 'slo_status') ORDER BY 1",
    )
    .all()
    .map((r) => r.k);
}

describe('SLOs on the desktop', () => {
  it('replicate with their status, stay readable offline, follow the evaluation, and stay in their workspace', async () => {
    const t0 = now;
    const admin = world.client('admin');
    const host = await admin.hosts.add.mutate({
      workspace: 'acme',
      hostname: 'api.example.test',
      port: 443,
      agentId: null,
    });
    const slo = await admin.slos.create.mutate({
      workspace: 'acme',
      name: 'API availability',
      kind: 'availability',
      scope: { type: 'host', hostId: host.id },
      objective: 99.9,
      windowDays: 28,
    });
    // Another workspace's SLO, evaluated by the same job.
    const outsider = world.client('outsider');
    const otherHost = await outsider.hosts.add.mutate({
      workspace: 'other',
      hostname: 'secret.other.test',
      port: 443,
      agentId: null,
    });
    const otherSlo = await outsider.slos.create.mutate({
      workspace: 'other',
      name: 'Other availability',
      kind: 'availability',
      scope: { type: 'host', hostId: otherHost.id },
      objective: 99,
      windowDays: 7,
    });
    await scans(world.workspace.id, host.id, new Date(t0.getTime() - 24 * 60 * MIN), t0, true);
    await scans(world.other.id, otherHost.id, new Date(t0.getTime() - 60 * MIN), t0, false);
    await evaluateAt(t0);

    // Online, the member's desktop syncs and lists the server's figures.
    const { c, network } = desktopOf('member', 'acme');
    await c.engine.syncNow();
    const live = await listSlosOrReplica(c);
    if (!live.ok) throw new Error(live.message);
    expect(live.offline).toBeUndefined();
    expect(live.slos).toMatchObject([
      { id: slo.id, scope: 'api.example.test', good: 1440, total: 1440, budgetRemaining: 1, firing: [] },
    ]);

    // Offline: the same SLOs and figures from the replica, as of that evaluation, read-only.
    network.online = false;
    const cut = await listSlosOrReplica(c);
    if (!cut.ok) throw new Error(cut.message);
    expect(cut.offline).toMatch(/^Offline: .*last synced/);
    expect(cut.slos).toEqual(live.slos);
    expect(cut.slos[0]?.evaluatedAt).toBe(t0.toISOString());

    // A minute on, one more clean scan: nothing a page shows moved, so the change log is untouched.
    const before = await statusSeq(world.workspace.id, slo.id);
    expect(before).toBeDefined();
    await scans(world.workspace.id, host.id, t0, new Date(t0.getTime() + MIN), true);
    await evaluateAt(new Date(t0.getTime() + MIN));
    expect(await statusSeq(world.workspace.id, slo.id)).toBe(before);

    // An hour of failures: the burn reaches the replica through the change log.
    const t1 = new Date(t0.getTime() + 61 * MIN);
    await scans(world.workspace.id, host.id, new Date(t0.getTime() + MIN), t1, false);
    await evaluateAt(t1);
    expect(await statusSeq(world.workspace.id, slo.id)).toBeGreaterThan(before ?? 0);
    network.online = true;
    await c.engine.syncNow();
    network.online = false;
    const burning = await listSlosOrReplica(c);
    if (!burning.ok) throw new Error(burning.message);
    expect(burning.offline).toBeDefined();
    expect(burning.slos).toMatchObject([
      { id: slo.id, good: 1441, total: 1501, firing: ['page', 'ticket'], evaluatedAt: t1.toISOString() },
    ]);
    expect(burning.slos[0]?.budgetRemaining).toBeCloseTo(1 - 60 / 1.501, 6);
    expect(burning.slos[0]?.burnRates['60']).toBeCloseTo(1000, 3);
    network.online = true;
    const server = await listSlosOrReplica(c);
    expect(server.ok && server.slos.map((s) => [s.firing, s.budgetRemaining])).toEqual(
      burning.slos.map((s) => [s.firing, s.budgetRemaining]),
    );

    // Row security: the other workspace's SLO is in its own change log, never in this replica;
    // its own member's desktop holds it and nothing of acme's.
    const otherLog = await ownerInWorkspace(world.server.services.db.owner, world.other.id, (cl) =>
      cl.query<{ tbl: string }>(
        "SELECT table_name || ' ' || row_id AS tbl FROM row_changes WHERE workspace_id = $1 AND table_name IN ('slos', 'slo_status') ORDER BY 1",
        [world.other.id],
      ),
    );
    expect(otherLog.rows.map((r) => r.tbl)).toEqual([`slo_status ${otherSlo.id}`, `slos ${otherSlo.id}`]);
    expect(replicated(c.db)).toEqual([`slo_status ${slo.id}`, `slos ${slo.id}`]);
    const theirs = desktopOf('outsider', 'other');
    await theirs.c.engine.syncNow();
    expect(replicated(theirs.c.db)).toEqual([`slo_status ${otherSlo.id}`, `slos ${otherSlo.id}`]);
  });
});
