import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerInWorkspace } from '@vigilo/tests/support/database';
import { createWorld, type World } from '@vigilo/tests/support/world';

/**
 * Schedules through the real API: a weekly rotation made in one call, who is on call and the next
 * shifts, an override for a colleague; and bad input refused with the field named and nothing
 * stored (no row, no audit row).
 */
const DAY = 86_400_000;
const now = new Date('2026-12-02T10:00:00Z'); // a Wednesday
let world: World;
const users: Record<string, string> = {};

const counts = () =>
  ownerInWorkspace(world.server.services.db.owner, world.workspace.id, async (c) => {
    const { rows } = await c.query<Record<string, number>>(
      `SELECT (SELECT count(*)::int FROM schedules) AS schedules, (SELECT count(*)::int FROM schedule_layers) AS layers,
              (SELECT count(*)::int FROM schedule_overrides) AS overrides,
              (SELECT count(*)::int FROM escalation_policies) AS policies, (SELECT count(*)::int FROM alert_routes) AS routes,
              (SELECT count(*)::int FROM audit_events) AS audit`,
    );
    return rows[0];
  });

/** Expects a BAD_REQUEST whose fieldErrors name `field` only, and nothing written. */
async function refusedNaming(field: string, call: () => Promise<unknown>, message?: RegExp) {
  const before = await counts();
  const err = await call().then(
    () => undefined,
    (e: unknown) => e as { data?: { code: string; fieldErrors?: Record<string, string> }; message: string },
  );
  expect(err?.data?.code, `expected ${field} to be refused`).toBe('BAD_REQUEST');
  expect(Object.keys(err?.data?.fieldErrors ?? {})).toEqual([field]);
  if (message) expect(err?.data?.fieldErrors?.[field]).toMatch(message);
  expect(err?.message).not.toMatch(/violates|constraint|syntax|relation|SELECT|INSERT/);
  expect(await counts()).toEqual(before);
}

const weekly = (memberIds: string[]) => ({
  memberIds,
  length: { kind: 'weekly' as const },
  handoffTime: '09:00',
  timeZone: 'Europe/Berlin',
  startsAt: new Date('2026-11-30T08:00:00Z'), // Monday 09:00 CET
});

beforeAll(async () => {
  world = await createWorld({ clock: () => now });
  for (const m of await world.client('admin').members.list.query({ workspace: 'acme' }))
    if (m.status === 'member' && m.email) users[m.email.split('@')[0] ?? ''] = m.userId;
});
afterAll(async () => {
  await world?.close();
});

describe('schedules', () => {
  it('makes a weekly rotation in one call and says who is on call now and next', async () => {
    const admin = world.client('admin');
    const { id } = await admin.schedules.create.mutate({
      workspace: 'acme',
      name: 'Platform',
      layers: [weekly([users.member ?? '', users.approver ?? ''])],
    });
    const [onCall] = await world
      .client('viewer')
      .schedules.onCall.query({ workspace: 'acme', scheduleId: id });
    expect(onCall).toMatchObject({ scheduleId: id, userId: users.member, source: 'layer' });

    // The approver's next turn starts Monday 7 December, 09:00 Berlin.
    const next = await world
      .client('approver')
      .schedules.shifts.query({ workspace: 'acme', mine: true, count: 2 });
    expect(next.map((s) => [s.start.toISOString(), s.end.toISOString()])).toEqual([
      ['2026-12-07T08:00:00.000Z', '2026-12-14T08:00:00.000Z'],
      ['2026-12-21T08:00:00.000Z', '2026-12-28T08:00:00.000Z'],
    ]);

    // A colleague covers this afternoon for the member: anyone who may operate can say so.
    await world.client('member').schedules.addOverride.mutate({
      workspace: 'acme',
      scheduleId: id,
      userId: users.admin ?? '',
      startsAt: now,
      endsAt: new Date(now.getTime() + 6 * 3_600_000),
      reason: 'dentist',
    });
    const covered = await world
      .client('viewer')
      .schedules.onCall.query({ workspace: 'acme', scheduleId: id });
    expect(covered[0]).toMatchObject({ userId: users.admin, source: 'override' });
    const later = await world.client('viewer').schedules.onCall.query({
      workspace: 'acme',
      scheduleId: id,
      at: new Date(now.getTime() + 7 * 3_600_000),
    });
    expect(later[0]).toMatchObject({ userId: users.member, source: 'layer' });

    const [listed] = await world.client('viewer').schedules.list.query({ workspace: 'acme' });
    expect(listed).toMatchObject({ name: 'Platform', onCallNow: users.admin, gaps: [] });
    expect(listed?.overrides).toHaveLength(1);
    await expect(
      world.client('viewer').schedules.addOverride.mutate({
        workspace: 'acme',
        scheduleId: id,
        userId: users.viewer ?? '',
        startsAt: now,
        endsAt: new Date(now.getTime() + DAY),
      }),
    ).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
  });

  it('reports the time a layer leaves uncovered as gaps, not as an error', async () => {
    const { id } = await world.client('admin').schedules.create.mutate({
      workspace: 'acme',
      name: 'Business hours',
      layers: [
        {
          ...weekly([users.member ?? '']),
          length: { kind: 'hours', hours: 8 },
          startsAt: new Date('2026-12-02T08:00:00Z'),
          endsAt: new Date('2026-12-02T16:00:00Z'),
        },
      ],
    });
    const got = await world.client('viewer').schedules.get.query({ workspace: 'acme', id });
    expect(got.gaps[0]).toMatchObject({ start: new Date('2026-12-02T16:00:00Z') });
  });
});

describe('bad input', () => {
  it('refuses a rotation with no members, naming memberIds, and stores nothing', async () => {
    await refusedNaming(
      'layers.0.memberIds',
      () =>
        world
          .client('admin')
          .schedules.create.mutate({ workspace: 'acme', name: 'Empty', layers: [weekly([])] }),
      /at least one member/,
    );
  });

  it('refuses a member who is not in the workspace, an unknown zone and a bad hand-off time', async () => {
    const admin = world.client('admin');
    const outsider = '00000000-0000-4000-8000-000000000001';
    await refusedNaming('layers.0.memberIds.0', () =>
      admin.schedules.create.mutate({ workspace: 'acme', name: 'Stranger', layers: [weekly([outsider])] }),
    );
    await refusedNaming('layers.0.timeZone', () =>
      admin.schedules.create.mutate({
        workspace: 'acme',
        name: 'Mars',
        layers: [{ ...weekly([users.member ?? '']), timeZone: 'Mars/Olympus' }],
      }),
    );
    await refusedNaming('layers.0.handoffTime', () =>
      admin.schedules.create.mutate({
        workspace: 'acme',
        name: 'Late',
        layers: [{ ...weekly([users.member ?? '']), handoffTime: '25:00' }],
      }),
    );
  });

  it('refuses an override that ends before it starts, naming endsAt', async () => {
    const [schedule] = await world.client('viewer').schedules.list.query({ workspace: 'acme' });
    await refusedNaming(
      'endsAt',
      () =>
        world.client('member').schedules.addOverride.mutate({
          workspace: 'acme',
          scheduleId: schedule?.id ?? '',
          userId: users.member ?? '',
          startsAt: now,
          endsAt: new Date(now.getTime() - 3_600_000),
        }),
      /after startsAt/,
    );
  });

  it('refuses an escalation step with no target, or a target from nowhere, naming it', async () => {
    const admin = world.client('admin');
    await refusedNaming(
      'steps.0.targets',
      () =>
        admin.escalationPolicies.create.mutate({
          workspace: 'acme',
          name: 'Nobody',
          steps: [{ targets: [], waitMinutes: 5 }],
        }),
      /at least one target/,
    );
    await refusedNaming('steps.1.targets.0.scheduleId', () =>
      admin.escalationPolicies.create.mutate({
        workspace: 'acme',
        name: 'Ghost',
        steps: [
          { targets: [{ kind: 'members', userIds: [users.admin ?? ''] }], waitMinutes: 5 },
          {
            targets: [{ kind: 'schedule', scheduleId: '00000000-0000-4000-8000-000000000002' }],
            waitMinutes: 5,
          },
        ],
      }),
    );
    await refusedNaming('steps', () =>
      admin.escalationPolicies.create.mutate({ workspace: 'acme', name: 'No steps', steps: [] }),
    );
  });

  it('refuses a route to a policy or channel of nowhere, naming it', async () => {
    const admin = world.client('admin');
    const rule = await admin.alertRules.create.mutate({
      workspace: 'acme',
      name: 'routed rule',
      predicate: { kind: 'expires_within', days: 7 },
      severity: 'critical',
    });
    await refusedNaming('policyId', () =>
      admin.escalationPolicies.route.mutate({
        workspace: 'acme',
        ruleId: rule.id,
        policyId: '00000000-0000-4000-8000-000000000003',
      }),
    );
    await refusedNaming('channelIds.0', () =>
      admin.escalationPolicies.route.mutate({
        workspace: 'acme',
        tag: 'prod',
        policyId: null,
        channelIds: ['00000000-0000-4000-8000-000000000004'],
      }),
    );
  });
});
