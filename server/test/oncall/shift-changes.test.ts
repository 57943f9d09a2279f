import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { shiftChangeJobs } from '../../src/oncall/shift-changes.ts';

/**
 * Shift-change notifications on an injected clock: a schedule seen for the first time announces
 * nothing of its past; each later hand-off (a daily turn, an override starting and ending) is one
 * schedule.shift_changed event, announced once however often the job runs.
 */
let world: World;
const users: Record<string, string> = {};
const at = (iso: string) => new Date(iso);

beforeAll(async () => {
  world = await createWorld({ clock: () => at('2026-12-02T08:00:00Z') });
  for (const m of await world.client('admin').members.list.query({ workspace: 'acme' }))
    if (m.status === 'member' && m.email) users[m.email.split('@')[0] ?? ''] = m.userId;
});
afterAll(async () => {
  await world?.close();
});

const announced = async () =>
  (
    await world.server.services.db.owner.query<{
      payload: { userId: string | null; at: string; name: string };
    }>("SELECT payload FROM events WHERE type = 'schedule.shift_changed' ORDER BY seq")
  ).rows.map((r) => [r.payload.at, r.payload.userId]);

describe('shift changes', () => {
  it('announces each hand-off once, from the first run on', async () => {
    const admin = world.client('admin');
    const { id } = await admin.schedules.create.mutate({
      workspace: 'acme',
      name: 'Daily',
      layers: [
        {
          memberIds: [users.member ?? '', users.approver ?? ''],
          length: { kind: 'daily' },
          handoffTime: '09:00',
          timeZone: 'Europe/Berlin',
          startsAt: at('2026-11-30T08:00:00Z'),
        },
      ],
    });
    await world.client('member').schedules.addOverride.mutate({
      workspace: 'acme',
      scheduleId: id,
      userId: users.admin ?? '',
      startsAt: at('2026-12-02T12:00:00Z'),
      endsAt: at('2026-12-02T14:00:00Z'),
    });
    const [job] = shiftChangeJobs(world.server.services.db.owner);
    await job?.run(at('2026-12-02T07:00:00Z'));
    expect(await announced()).toEqual([]);
    // 09:00 Berlin is 08:00 UTC: the third day's turn is the member's again, after the approver's.
    await job?.run(at('2026-12-02T08:00:30Z'));
    await job?.run(at('2026-12-02T08:01:00Z'));
    expect(await announced()).toEqual([['2026-12-02T08:00:00.000Z', users.member]]);
    // The override begins and ends within one run: both hand-offs, in order.
    await job?.run(at('2026-12-02T15:00:00Z'));
    expect(await announced()).toEqual([
      ['2026-12-02T08:00:00.000Z', users.member],
      ['2026-12-02T12:00:00.000Z', users.admin],
      ['2026-12-02T14:00:00.000Z', users.member],
    ]);
    const names = await world.server.services.db.owner.query<{ name: string }>(
      "SELECT payload->>'name' AS name FROM events WHERE type = 'schedule.shift_changed' ORDER BY seq",
    );
    expect(names.rows[1]?.name).toBe('Daily: admin@example.test on call');
    // Each hand-off says until when, also the one announced at the minute it began (the member's
    // turn ran until the override), not until the job's run.
    const untils = await world.server.services.db.owner.query<{ until: string }>(
      "SELECT payload->>'until' AS until FROM events WHERE type = 'schedule.shift_changed' ORDER BY seq",
    );
    expect(untils.rows.map((r) => r.until)).toEqual([
      '2026-12-02T12:00:00.000Z',
      '2026-12-02T14:00:00.000Z',
      '2026-12-03T08:00:00.000Z',
    ]);
    // The member's shift start is the schedule's replicated row, for their desktop.
    const start = await world.server.services.db.owner.query(
      'SELECT user_id, previous_user_id, starts_at, ends_at FROM shift_starts WHERE schedule_id = $1',
      [id],
    );
    expect(start.rows).toEqual([
      {
        user_id: users.member,
        previous_user_id: users.admin,
        starts_at: at('2026-12-02T14:00:00Z'),
        ends_at: at('2026-12-03T08:00:00Z'),
      },
    ]);
  });
});
