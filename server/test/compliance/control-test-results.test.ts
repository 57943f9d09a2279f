import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROL_TEST_IDS } from '@vigilo/shared/control-tests';
import { outcome } from '@vigilo/tests/support/client';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { removeDefaultAlertRules } from '@vigilo/tests/support/alerts';
import { CONTROL_TESTS_EVERY_MS, complianceJobs } from '../../src/jobs/compliance-jobs.ts';
import { createScheduler } from '../../src/jobs/scheduler.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { inAcme } from '../changes/support.ts';

/**
 * How results are kept and acted on: one row per outcome (a run that finds the same outcome only
 * confirms it), going into fail recorded with its event and, when configured, a task; coming out
 * of it recorded too; the schedule runs every workspace once across processes.
 */
const WS = 'acme';
let now = new Date('2032-05-01T08:00:00.000Z');
let world: World;

const expiry = (r: { testId: string }) => r.testId === 'production_expiry_alerts';
const audit = (action: string) =>
  inAcme(world, (q) =>
    q<{ action: string; actor: string; summary: string }>(
      "SELECT action, actor_type || ':' || actor_id AS actor, summary FROM audit_events WHERE action = $1 ORDER BY seq",
      [action],
    ),
  ).then((r) => r.rows);

beforeAll(async () => {
  world = await createWorld({ clock: () => now });
  // Its alerts come from the rules it makes; the defaults would open more.
  await removeDefaultAlertRules(world);
});
afterAll(async () => {
  await world?.close();
});

describe('controlTests', () => {
  it('lists every shipped test, each not run yet', async () => {
    const list = await world.client('auditor').controlTests.list.query({ workspace: WS });
    expect(list.map((t) => t.id)).toEqual(CONTROL_TEST_IDS);
    expect(list.every((t) => t.latest === null && !t.openTaskOnFail && t.title.length > 0)).toBe(true);
  });

  it('stores one row per outcome: a run finding the same confirms it, a changed outcome is a new row', async () => {
    const approver = world.client('approver');
    const first = await approver.controlTests.run.mutate({ workspace: WS });
    expect(first.map((r) => r.testId)).toEqual(CONTROL_TEST_IDS);
    // A fresh workspace: nothing in production, no changes; the audit chain verifies.
    expect(Object.fromEntries(first.map((r) => [r.testId, r.status]))).toMatchObject({
      production_expiry_alerts: 'not_applicable',
      production_no_legacy_tls: 'not_applicable',
      production_grade_b: 'not_applicable',
      emergency_retrospective: 'not_applicable',
      production_changes_approved: 'not_applicable',
      audit_chain_verifies: 'pass',
    });
    now = new Date(now.getTime() + 60_000);
    const again = await approver.controlTests.run.mutate({ workspace: WS });
    expect(again.map((r) => r.id)).toEqual(first.map((r) => r.id));
    expect(again.find(expiry)).toMatchObject({
      evaluatedAt: first.find(expiry)!.evaluatedAt,
      checkedAt: now,
    });
  });

  it('going into fail records it with its event and opens a task when configured; once only; recovery is recorded', async () => {
    const admin = world.client('admin');
    await world.client('approver').controlTests.configure.mutate({
      workspace: WS,
      testId: 'production_expiry_alerts',
      openTaskOnFail: true,
    });
    expect(await audit('control_test.configured')).toHaveLength(1);
    const host = await admin.hosts.add.mutate({
      workspace: WS,
      hostname: 'pay.example.test',
      port: 443,
      tags: ['production'],
    });
    now = new Date(now.getTime() + 60_000);
    const [failed] = await world
      .client('approver')
      .controlTests.run.mutate({ workspace: WS, testIds: ['production_expiry_alerts'] });
    expect(failed).toMatchObject({ status: 'fail', subjects: [{ type: 'host', id: host.id, ok: false }] });
    expect(failed!.taskId).not.toBeNull();
    const tasks = await admin.tasks.list.query({ workspace: WS });
    expect(tasks.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: failed!.taskId,
          title: 'Control test failing: Production hosts are covered by an expiry alert',
        }),
      ]),
    );
    const recorded = await audit('control_test.failed');
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.actor).toMatch(/^user:/);
    expect(JSON.parse(recorded[0]!.summary)).toMatchObject({
      after: { status: 'fail', resultId: failed!.id, taskId: failed!.taskId },
    });

    // Still failing on the schedule's next run: confirmed, no second event, no second task.
    now = new Date(now.getTime() + CONTROL_TESTS_EVERY_MS);
    const log = createLogger('silent');
    const scheduler = createScheduler({
      owner: world.server.services.db.owner,
      jobs: complianceJobs(world.server.services.db),
      clock: () => now,
      log,
      autoStart: false,
    });
    expect(await scheduler.tick()).toEqual(['control-tests']);
    expect(await scheduler.tick()).toEqual([]);
    await scheduler.stop();
    const listed = await world.client('auditor').controlTests.list.query({ workspace: WS });
    expect(listed.find((t) => t.id === 'production_expiry_alerts')!.latest).toMatchObject({
      id: failed!.id,
      checkedAt: now,
    });
    expect(await audit('control_test.failed')).toHaveLength(1);
    // The schedule ran in the other workspace too, under its own row security.
    const other = await world.client('outsider').controlTests.list.query({ workspace: 'other' });
    expect(other.every((t) => t.latest !== null)).toBe(true);

    await admin.alertRules.create.mutate({
      workspace: WS,
      name: 'expiry everywhere',
      predicate: { kind: 'expires_within', days: 30 },
      scope: { kind: 'all' },
      severity: 'warning',
    });
    now = new Date(now.getTime() + 60_000);
    const [passed] = await world
      .client('approver')
      .controlTests.run.mutate({ workspace: WS, testIds: ['production_expiry_alerts'] });
    expect(passed).toMatchObject({ status: 'pass', taskId: null });
    expect(await audit('control_test.recovered')).toHaveLength(1);
    const history = await world
      .client('auditor')
      .controlTests.results.query({ workspace: WS, testId: 'production_expiry_alerts' });
    expect(history.results.map((r) => r.status)).toEqual(['pass', 'fail', 'not_applicable']);
  });

  it('lets auditors read but not run; refuses unknown tests naming the field', async () => {
    expect(await outcome(() => world.client('auditor').controlTests.run.mutate({ workspace: WS }))).toBe(
      'FORBIDDEN',
    );
    expect(await outcome(() => world.client('member').controlTests.list.query({ workspace: WS }))).toBe(
      'FORBIDDEN',
    );
    await expect(
      world
        .client('approver')
        .controlTests.run.mutate({ workspace: WS, testIds: ['no_such_test' as 'audit_chain_verifies'] }),
    ).rejects.toThrow(/testId must be one of/);
  });
});
