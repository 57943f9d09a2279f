import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_PATHS } from '@vigilo/shared/agent-protocol';
import { monitoringJobs } from '../../src/jobs/monitoring-jobs.ts';
import { createScheduler, type Job } from '../../src/jobs/scheduler.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { makeSnapshot, uuidv7 } from '@vigilo/tests/support/snapshots';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { removeDefaultAlertRules } from '@vigilo/tests/support/alerts';

/** The injected clock: real time plus an offset the test moves. */
let offsetMs = 0;
const clock = () => new Date(Date.now() + offsetMs);

let world: World;
beforeAll(async () => {
  world = await createWorld({ clock });
  // Its alerts come from the rules it makes; the defaults would open more.
  await removeDefaultAlertRules(world);
});
afterAll(async () => {
  await world?.close();
});

describe('scheduler', () => {
  it('runs a job once when two scheduler processes tick at the same time', async () => {
    let runs = 0;
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const job: Job = {
      name: 'count-once',
      everyMs: 60_000,
      // The job runs until the other scheduler has tried, so their ticks surely overlap; a second
      // run (the bug) releases at once, so it fails the count below instead of hanging.
      run: async () => {
        runs += 1;
        if (runs > 1) release();
        await held;
      },
    };
    const log = createLogger('silent');
    const a = createScheduler({
      owner: world.server.services.db.owner,
      jobs: [job],
      clock,
      log,
      autoStart: false,
    });
    const b = createScheduler({
      owner: world.server.services.db.owner,
      jobs: [job],
      clock,
      log,
      autoStart: false,
    });
    const ticks = [a.tick(), b.tick()] as const;
    // The one that found the job taken ends first, while the other's run holds the job's lock.
    await Promise.race(ticks);
    release();
    const [ranA, ranB] = await Promise.all(ticks);
    expect(runs).toBe(1);
    expect([...ranA, ...ranB]).toEqual(['count-once']);
    // Not due again until its interval has passed.
    expect(await a.tick()).toEqual([]);
    offsetMs += 61_000;
    expect(await b.tick()).toEqual(['count-once']);
    expect(runs).toBe(2);
  });

  it('picks a job up again after a run that crashed its process (its transaction aborted)', async () => {
    const owner = world.server.services.db.owner;
    const client = await owner.connect();
    await client.query("INSERT INTO job_runs (name) VALUES ('crashy') ON CONFLICT DO NOTHING");
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    await client.query('BEGIN');
    await client.query("SELECT 1 FROM job_runs WHERE name = 'crashy' FOR UPDATE");
    // The process dies mid-run: its connection goes away and the lock with it, once Postgres has
    // seen the disconnect (an idle pool connection can tick before that).
    client.release(new Error('simulated crash'));
    while ((await owner.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount)
      await new Promise((resolve) => setTimeout(resolve, 10));
    let ran = false;
    const scheduler = createScheduler({
      owner,
      jobs: [{ name: 'crashy', everyMs: 60_000, run: () => Promise.resolve(void (ran = true)) }],
      clock,
      log: createLogger('silent'),
      autoStart: false,
    });
    expect(await scheduler.tick()).toEqual(['crashy']);
    expect(ran).toBe(true);
  });

  it('opens an alert when a certificate crosses the threshold with no new scan', async () => {
    const admin = world.client('admin');
    const { token } = await admin.agents.createEnrollmentToken.mutate({ workspace: 'acme', name: 'dc1' });
    const enroll = (await (
      await fetch(`${world.server.url}${AGENT_PATHS.enroll}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, name: 'a1', agent_version: 't', platform: 'linux' }),
      })
    ).json()) as { agent_token: string; agent_id: string };
    const { id: hostId } = await admin.hosts.add.mutate({
      workspace: 'acme',
      hostname: 'slow.internal',
      port: 443,
      agentId: enroll.agent_id,
    });
    await admin.alertRules.create.mutate({
      workspace: 'acme',
      name: 'expiring-30',
      predicate: { kind: 'expires_within', days: 30 },
      severity: 'critical',
    });
    // Scanned now: 35 days left, nothing fires.
    const notAfter = new Date(clock().getTime() + 35 * 86_400_000);
    const push = await fetch(`${world.server.url}${AGENT_PATHS.snapshots}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${enroll.agent_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        batch_id: uuidv7(),
        agent_version: 't',
        sent_at: clock().toISOString(),
        snapshots: [makeSnapshot({ hostId, hostname: 'slow.internal', notAfter, scannedAt: clock() })],
      }),
    });
    expect(push.status).toBe(200);
    expect((await admin.alerts.list.query({ workspace: 'acme', hostId })).alerts).toEqual([]);

    // Six days later, no new scan: the scheduled evaluation sees 29 days left.
    offsetMs += 6 * 86_400_000;
    const scheduler = createScheduler({
      owner: world.server.services.db.owner,
      jobs: monitoringJobs(world.server.services.db.owner, { retentionDays: 400 }),
      clock,
      log: createLogger('silent'),
      autoStart: false,
    });
    expect(await scheduler.tick()).toContain('evaluate-time-based-rules');
    const alerts = await admin.alerts.list.query({ workspace: 'acme', hostId });
    expect(alerts.alerts).toHaveLength(1);
    expect(alerts.alerts[0]).toMatchObject({
      severity: 'critical',
      summary: 'certificate expires in 28 day(s)',
    });
  });
});
