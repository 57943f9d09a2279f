import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reliabilityJobs } from '../../src/jobs/reliability-jobs.ts';
import { createScheduler, type Scheduler } from '../../src/jobs/scheduler.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { ownerInWorkspace } from '@vigilo/tests/support/database';
import { createWorld, type World } from '@vigilo/tests/support/world';

/**
 * Burn-rate alerts on synthetic snapshot history, on the real server and Postgres, evaluated by the
 * scheduler's job under an injected clock: a page and a ticket open when both their windows burn,
 * the page resolves once the last 5 minutes are clean and the ticket once the last 30 are; scans
 * inside a maintenance window do not count and an overrun past its end does.
 */
let now = new Date('2026-11-30T12:00:00.000Z');
const clock = () => now;
const MIN = 60_000;
let world: World;
let scheduler: Scheduler;
const owner = () => world.client('owner');

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

async function addHost(hostname: string, tags: string[] = []): Promise<string> {
  const host = await owner().hosts.add.mutate({
    workspace: 'acme',
    hostname,
    port: 443,
    tags,
    agentId: null,
  });
  return host.id;
}

/** One scan a minute for `host` over [from, to), good or bad as `reachable` says. */
async function scans(host: string, from: Date, to: Date, reachable: boolean): Promise<void> {
  const rows: Array<{ id: string; scanned_at: string; reachable: boolean }> = [];
  for (let t = from.getTime(); t < to.getTime(); t += MIN)
    rows.push({ id: randomUUID(), scanned_at: new Date(t).toISOString(), reachable });
  await ownerInWorkspace(world.server.services.db.owner, world.workspace.id, (c) =>
    c.query(
      `INSERT INTO snapshots (id, scanned_at, workspace_id, host_id, agent_id, reachable, handshake_ms, body)
       SELECT x.id, x.scanned_at, $2, $3, $4, x.reachable, CASE WHEN x.reachable THEN 40 END, '{}'
       FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, scanned_at timestamptz, reachable boolean)`,
      [JSON.stringify(rows), world.workspace.id, host, randomUUID()],
    ),
  );
}

/** Moves the clock on and runs the evaluation job as the scheduler would. */
async function evaluateAt(at: Date): Promise<void> {
  now = at;
  expect(await scheduler.tick()).toEqual(['evaluate-slos']);
}

async function sloAlerts(sloId: string) {
  return ownerInWorkspace(world.server.services.db.owner, world.workspace.id, async (c) => {
    const alerts = await c.query<{ severity: string; state: string; host_id: string | null; rule_id: null }>(
      'SELECT severity, state, host_id, rule_id FROM alerts WHERE slo_id = $1 ORDER BY opened_at, severity',
      [sloId],
    );
    const events = await c.query<{ type: string; n: number }>(
      `SELECT type, count(*)::int AS n FROM events WHERE payload->>'sloId' = $1 AND type LIKE 'alert.%' GROUP BY type ORDER BY type`,
      [sloId],
    );
    const audit = await c.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_events a JOIN alerts x ON x.id::text = a.target_id
       WHERE x.slo_id = $1 AND a.action IN ('alert.opened', 'alert.resolved')`,
      [sloId],
    );
    return {
      open: alerts.rows.filter((a) => a.state === 'open').map((a) => a.severity),
      all: alerts.rows,
      events: Object.fromEntries(events.rows.map((e) => [e.type, e.n])),
      audit: audit.rows[0]?.n,
    };
  });
}

describe('SLO burn-rate alerts', () => {
  it('page and ticket open on a burn and resolve as the short windows clear', async () => {
    const host = await addHost('api.example.test');
    const slo = await owner().slos.create.mutate({
      workspace: 'acme',
      name: 'API availability',
      kind: 'availability',
      scope: { type: 'host', hostId: host },
      objective: 99.9,
      windowDays: 28,
    });
    const t0 = new Date(now.getTime());
    // A clean day, then an hour of failures.
    await scans(host, new Date(t0.getTime() - 24 * 60 * MIN), new Date(t0.getTime() - 60 * MIN), true);
    await scans(host, new Date(t0.getTime() - 60 * MIN), t0, false);
    await evaluateAt(new Date(t0.getTime() + 1000));

    let seen = await sloAlerts(slo.id);
    expect(seen.open).toEqual(['critical', 'warning']);
    expect(seen.all.every((a) => a.host_id === host && a.rule_id === null)).toBe(true);
    expect(seen.events).toEqual({ 'alert.opened': 2 });
    // Acknowledged like any alert (it has a host here, and no rule).
    const page = await ownerInWorkspace(world.server.services.db.owner, world.workspace.id, (c) =>
      c.query<{ id: string }>("SELECT id FROM alerts WHERE slo_id = $1 AND severity = 'critical'", [slo.id]),
    );
    const pageId = page.rows[0]!.id;
    await owner().alerts.acknowledge.mutate({ workspace: 'acme', id: pageId, note: 'looking' });
    const acked = await ownerInWorkspace(world.server.services.db.owner, world.workspace.id, (c) =>
      c.query<{ acknowledged_by: string }>('SELECT acknowledged_by FROM alerts WHERE id = $1', [pageId]),
    );
    expect(acked.rows[0]?.acknowledged_by).toMatch(/^user:/);
    const status = await owner().slos.status.query({ workspace: 'acme', id: slo.id });
    expect(status.firing.sort()).toEqual(['page', 'ticket']);
    expect(status.burnRates[60]).toBeCloseTo(1000, 3);
    expect(status.window).toEqual({ good: 23 * 60, total: 24 * 60 });
    // 60 bad of 1440 against an allowance of 1.44: the budget is long overspent.
    expect(status.budgetRemaining).toBeCloseTo(1 - 60 / 1.44, 6);

    // Ten clean minutes: the 5-minute window is clean, so the page resolves; 30 min still burns.
    await scans(host, t0, new Date(t0.getTime() + 10 * MIN), true);
    await evaluateAt(new Date(t0.getTime() + 10 * MIN));
    seen = await sloAlerts(slo.id);
    expect(seen.open).toEqual(['warning']);
    expect(seen.events).toEqual({ 'alert.opened': 2, 'alert.resolved': 1 });

    // Evaluating again without change writes nothing new (one open alert per SLO and severity).
    await evaluateAt(new Date(t0.getTime() + 11 * MIN + 1000));
    expect((await sloAlerts(slo.id)).events).toEqual({ 'alert.opened': 2, 'alert.resolved': 1 });

    // Forty clean minutes: the 30-minute window is clean and the ticket resolves too.
    await scans(host, new Date(t0.getTime() + 10 * MIN), new Date(t0.getTime() + 50 * MIN), true);
    await evaluateAt(new Date(t0.getTime() + 50 * MIN));
    seen = await sloAlerts(slo.id);
    expect(seen.open).toEqual([]);
    expect(seen.events).toEqual({ 'alert.opened': 2, 'alert.resolved': 2 });
    expect(seen.audit).toBe(4);
    // alerts.list shows them under the SLO's name, with no rule.
    const { alerts } = await owner().alerts.list.query({ workspace: 'acme', hostId: host });
    expect(alerts.map((a) => [a.ruleName, a.sloId, a.ruleId, a.severity, a.state]).sort()).toEqual([
      ['SLO API availability', slo.id, null, 'critical', 'resolved'],
      ['SLO API availability', slo.id, null, 'warning', 'resolved'],
    ]);
    const listed = await owner().slos.list.query({ workspace: 'acme' });
    expect(listed.find((s) => s.id === slo.id)?.firing).toEqual([]);
  });

  it('does not count scans inside a maintenance window, and counts the overrun after it', async () => {
    const t0 = new Date(now.getTime() + 60 * MIN);
    const host = await addHost('db.example.test', ['db']);
    const slo = await owner().slos.create.mutate({
      workspace: 'acme',
      name: 'Database availability',
      kind: 'availability',
      scope: { type: 'tag', tag: 'db' },
      objective: 99,
      windowDays: 7,
    });
    await owner().alerts.scheduleMaintenance.mutate({
      workspace: 'acme',
      name: 'Database upgrade',
      hostIds: [host],
      startsAt: new Date(t0.getTime() - 120 * MIN),
      endsAt: new Date(t0.getTime() - 10 * MIN),
    });
    await scans(host, new Date(t0.getTime() - 24 * 60 * MIN), new Date(t0.getTime() - 120 * MIN), true);
    // Down for the planned window only: nothing is spent and nothing fires.
    await scans(host, new Date(t0.getTime() - 120 * MIN), new Date(t0.getTime() - 10 * MIN), false);
    await evaluateAt(t0);
    let status = await owner().slos.status.query({ workspace: 'acme', id: slo.id });
    expect(status.window).toEqual({ good: 22 * 60, total: 22 * 60 });
    expect(status.budgetRemaining).toBe(1);
    expect((await sloAlerts(slo.id)).open).toEqual([]);

    // Still down after the window ended: the overrun counts against the budget and pages.
    await scans(host, new Date(t0.getTime() - 10 * MIN), new Date(t0.getTime() + 5 * MIN), false);
    await evaluateAt(new Date(t0.getTime() + 5 * MIN));
    status = await owner().slos.status.query({ workspace: 'acme', id: slo.id });
    expect(status.window).toEqual({ good: 22 * 60, total: 22 * 60 + 15 });
    expect(status.budgetRemaining).toBeLessThan(1);
    const seen = await sloAlerts(slo.id);
    expect(seen.open).toEqual(['critical', 'warning']);
    expect(seen.all.every((a) => a.host_id === null)).toBe(true);
  });
});

describe('bad SLO input', () => {
  async function counts() {
    return ownerInWorkspace(world.server.services.db.owner, world.workspace.id, async (c) => {
      const { rows } = await c.query<{ slos: number; audit: number }>(
        'SELECT (SELECT count(*)::int FROM slos) AS slos, (SELECT count(*)::int FROM audit_events) AS audit',
      );
      return rows[0];
    });
  }
  async function refusedNaming(field: string, call: () => Promise<unknown>, message: RegExp) {
    const before = await counts();
    const err = await call().then(
      () => undefined,
      (e: unknown) => e as { data?: { code: string; fieldErrors?: Record<string, string> } },
    );
    expect(err?.data?.code).toBe('BAD_REQUEST');
    expect(Object.keys(err?.data?.fieldErrors ?? {})).toEqual([field]);
    expect(err?.data?.fieldErrors?.[field]).toMatch(message);
    expect(await counts()).toEqual(before);
  }
  const base = {
    workspace: 'acme',
    name: 'Edge',
    kind: 'availability' as const,
    scope: { type: 'tag' as const, tag: 'edge' },
    objective: 99.5,
    windowDays: 30 as const,
  };

  it('refuses an objective outside (0, 100), a window not in the list, a missing threshold', async () => {
    for (const objective of [0, 100, 120])
      await refusedNaming(
        'objective',
        () => owner().slos.create.mutate({ ...base, objective }),
        /greater than 0/,
      );
    await refusedNaming(
      'windowDays',
      // @ts-expect-error a window not in the list, as a client outside TypeScript could send it
      () => owner().slos.create.mutate({ ...base, windowDays: 14 }),
      /one of 7, 28, 30/,
    );
    await refusedNaming(
      'thresholdMs',
      () => owner().slos.create.mutate({ ...base, kind: 'latency' }),
      /required/,
    );
    const slo = await owner().slos.create.mutate(base);
    await refusedNaming('name', () => owner().slos.create.mutate(base), /exists already/);
    await refusedNaming(
      'objective',
      () => owner().slos.update.mutate({ workspace: 'acme', id: slo.id, objective: 100 }),
      /less than 100/,
    );
  });
});
