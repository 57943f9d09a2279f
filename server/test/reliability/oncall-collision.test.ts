import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { CALM, seedHost, userId, WS } from '../changes/support.ts';

/**
 * Across the pillars: a change planned when nobody is on call for one of its hosts shows a
 * `no_oncall_coverage` collision, found with the rotation math ("who is on call at T") over the
 * schedule its host's tag routes to; a change inside the covered hours has none, and a host whose
 * policy pages members directly is always covered.
 */
let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => {
  await world?.close();
});

const admin = () => world.client('admin');
const HOUR = 3_600_000;
const day = (offset: number, hour: number) => {
  const d = new Date();
  d.setUTCHours(0, 0, 0, 0);
  return new Date(d.getTime() + offset * 24 * HOUR + hour * HOUR);
};

describe('on-call coverage of a change', () => {
  it('flags the hosts nobody is on call for during the planned window', async () => {
    const member = await userId(world, 'member');
    // Covered 08:00–16:00 UTC on day 3 only: one 8-hour turn, nobody before or after it.
    const { id: scheduleId } = await admin().schedules.create.mutate({
      workspace: WS,
      name: 'Day shift',
      layers: [
        {
          memberIds: [member],
          length: { kind: 'hours', hours: 8 },
          handoffTime: '08:00',
          timeZone: 'UTC',
          startsAt: day(3, 8),
          endsAt: day(3, 16),
        },
      ],
    });
    const layer = await admin().schedules.get.query({ workspace: WS, id: scheduleId });
    expect(layer.id).toBe(scheduleId);
    const policy = await admin().escalationPolicies.create.mutate({
      workspace: WS,
      name: 'Web on call',
      steps: [{ targets: [{ kind: 'schedule', scheduleId }], waitMinutes: 5 }],
    });
    await admin().escalationPolicies.route.mutate({ workspace: WS, tag: 'web', policyId: policy.id });
    const direct = await admin().escalationPolicies.create.mutate({
      workspace: WS,
      name: 'Database owners',
      steps: [{ targets: [{ kind: 'members', userIds: [member] }], waitMinutes: 5 }],
    });
    await admin().escalationPolicies.route.mutate({ workspace: WS, tag: 'db', policyId: direct.id });
    const web = await seedHost(world, ['web']);
    const db = await seedHost(world, ['db']);
    const unrouted = await seedHost(world, ['misc']);

    const plan = async (hostIds: string[], from: Date, to: Date) => {
      const { id } = await world.client('member').changes.create.mutate({
        workspace: WS,
        title: `work on ${hostIds.length} hosts at ${from.toISOString()}`,
        riskAnswers: CALM,
        affectedHostIds: hostIds,
        plannedStart: from,
        plannedEnd: to,
      });
      return (await world.client('member').changes.get.query({ workspace: WS, id })).collisions.filter(
        (c) => c.kind === 'no_oncall_coverage',
      );
    };

    // Planned 10:00–12:00 in three days: covered.
    expect(await plan([web], day(3, 10), day(3, 12))).toEqual([]);
    // Planned 15:00–18:00: nobody from 16:00.
    const late = await plan([web, db], day(3, 15), day(3, 18));
    expect(late).toHaveLength(1);
    expect(late[0]?.hostId).toBe(web);
    expect(late[0]?.reason).toMatch(/^nobody is on call for change-host-\d+-\d+\.example\.test from /);
    // A host no policy pages for is not covered at any hour.
    const none = await plan([unrouted], day(3, 10), day(3, 12));
    expect(none.map((c) => [c.hostId, c.reason])).toEqual([
      [unrouted, expect.stringMatching(/^no escalation policy pages anyone for /) as unknown as string],
    ]);
  });
});
