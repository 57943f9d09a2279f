import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reliabilityJobs } from '../../src/jobs/reliability-jobs.ts';
import { createScheduler, type Scheduler } from '../../src/jobs/scheduler.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { ownerInWorkspace } from '@vigilo/tests/support/database';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { CALM, WS } from '../changes/support.ts';

/**
 * Across the pillars: an approved change opens a maintenance window over its affected hosts for
 * its planned window, written through the maintenance model (audit row, event); an SLO does not
 * count the approved time and does count the overrun past the planned end; a cancelled change's
 * window goes. Real server and Postgres, the scheduler's job under an injected clock.
 */
const MIN = 60_000;
let now = new Date('2026-12-01T08:00:00.000Z');
const clock = () => now;
let world: World;
let scheduler: Scheduler;

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
afterAll(async () => {
  await scheduler?.stop();
  await world?.close();
});

const member = () => world.client('member');
const approver = () => world.client('approver');

async function approvedChange(hostId: string, plannedStart: Date, plannedEnd: Date): Promise<string> {
  const { id } = await member().changes.create.mutate({
    workspace: WS,
    title: 'Upgrade the API servers',
    riskAnswers: CALM,
    affectedHostIds: [hostId],
    plannedStart,
    plannedEnd,
  });
  await member().changes.transition.mutate({ workspace: WS, id, to: 'submitted' });
  const { approvals } = await member().changes.get.query({ workspace: WS, id });
  await approver().approvals.decide.mutate({
    workspace: WS,
    requestId: approvals[0]!.requestId,
    decision: 'approve',
  });
  return id;
}

function windowsOf(changeId: string) {
  return ownerInWorkspace(world.server.services.db.owner, world.workspace.id, async (c) => {
    const { rows } = await c.query<{ id: string; host_ids: string[]; starts_at: Date; ends_at: Date }>(
      'SELECT id, host_ids, starts_at, ends_at FROM maintenance_windows WHERE change_id = $1',
      [changeId],
    );
    return rows;
  });
}

async function scans(host: string, from: number, to: number, reachable: boolean): Promise<void> {
  const rows: Array<{ id: string; scanned_at: string; reachable: boolean }> = [];
  for (let t = from; t < to; t += MIN)
    rows.push({ id: randomUUID(), scanned_at: new Date(t).toISOString(), reachable });
  await ownerInWorkspace(world.server.services.db.owner, world.workspace.id, (c) =>
    c.query(
      `INSERT INTO snapshots (id, scanned_at, workspace_id, host_id, agent_id, reachable, body)
       SELECT x.id, x.scanned_at, $2, $3, $4, x.reachable, '{}'
       FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, scanned_at timestamptz, reachable boolean)`,
      [JSON.stringify(rows), world.workspace.id, host, randomUUID()],
    ),
  );
}

describe('an approved change and the error budget', () => {
  it('opens a maintenance window for its planned window; the SLO counts only the overrun', async () => {
    const owner = world.client('owner');
    const host = (
      await owner.hosts.add.mutate({
        workspace: WS,
        hostname: 'api-1.example.test',
        port: 443,
        agentId: null,
      })
    ).id;
    const slo = await owner.slos.create.mutate({
      workspace: WS,
      name: 'API',
      kind: 'availability',
      scope: { type: 'host', hostId: host },
      objective: 99,
      windowDays: 7,
    });
    const start = new Date(now.getTime() + 60 * MIN);
    const end = new Date(start.getTime() + 120 * MIN);
    const changeId = await approvedChange(host, start, end);

    const [window] = await windowsOf(changeId);
    expect(window).toMatchObject({ host_ids: [host], starts_at: start, ends_at: end });
    const listed = await owner.maintenance.list.query({ workspace: WS });
    expect(listed.map((w) => w.name)).toContain('Change: Upgrade the API servers');
    const audit = await ownerInWorkspace(world.server.services.db.owner, world.workspace.id, (c) =>
      c.query<{ action: string }>('SELECT action FROM audit_events WHERE target_id = $1', [window!.id]),
    );
    expect(audit.rows.map((r) => r.action)).toEqual(['maintenance.created']);

    // Up until the change starts, down for its whole planned window and 30 minutes past it.
    const t0 = start.getTime();
    await scans(host, t0 - 24 * 60 * MIN, t0, true);
    await scans(host, t0, end.getTime() + 30 * MIN, false);
    now = new Date(end.getTime() + 30 * MIN);
    expect(await scheduler.tick()).toEqual(['evaluate-slos']);
    const status = await owner.slos.status.query({ workspace: WS, id: slo.id });
    // The 120 approved minutes are not counted; the 30 minutes of overrun are, all bad.
    expect(status.window).toEqual({ good: 24 * 60, total: 24 * 60 + 30 });
    expect(status.budgetRemaining).toBeCloseTo(1 - 30 / ((24 * 60 + 30) * 0.01), 6);
    expect(status.firing).toContain('page');
  });

  it('removes the window when the change is cancelled', async () => {
    const host = (
      await world
        .client('owner')
        .hosts.add.mutate({ workspace: WS, hostname: 'api-2.example.test', port: 443, agentId: null })
    ).id;
    const start = new Date(now.getTime() + 24 * 60 * MIN);
    const changeId = await approvedChange(host, start, new Date(start.getTime() + 60 * MIN));
    expect(await windowsOf(changeId)).toHaveLength(1);
    await member().changes.transition.mutate({ workspace: WS, id: changeId, to: 'cancelled' });
    expect(await windowsOf(changeId)).toEqual([]);
  });
});
