import { createWorld, type World } from '@vigilo/tests/support/world';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { shiftChangeJobs } from '../../server/src/oncall/shift-changes.ts';
import type { BridgeEvent } from '../src/bridge/contract.ts';
import { shiftStartWords } from '../src/core/notifications.ts';
import { openCore, switchableNetwork, tempDir } from './support/core.ts';

/**
 * A shift starting tells its member's desktop, on the real server with the shift-change job run on
 * an injected clock: the member whose turn begins gets "You are on call for <schedule> from
 * <time>", opening the On-call page; the member handing over, and everyone else, get nothing; the
 * same shift is never told twice; a desktop that was away hears of a shift still running when it
 * syncs, and not of one that ended meanwhile; a first sync announces nothing.
 */
let now = new Date('2026-12-02T07:00:00.000Z');
const clock = () => now;
const at = (iso: string) => new Date(iso);
let world: World;
const users: Record<string, string> = {};
const cleanups: Array<() => unknown> = [];

beforeAll(async () => {
  world = await createWorld({ clock });
  for (const m of await world.client('admin').members.list.query({ workspace: 'acme' }))
    if (m.status === 'member' && m.email) users[m.email.split('@')[0] ?? ''] = m.userId;
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await world?.close();
});

function desktopOf(who: string) {
  const tmp = tempDir();
  const network = switchableNetwork();
  const { core, events } = openCore({
    dataDir: tmp.dir,
    serverUrl: world.server.url,
    workspace: 'acme',
    token: world.tokens[who] ?? '',
    fetch: network.fetch,
    clock,
  });
  cleanups.push(() => tmp.cleanup());
  cleanups.push(() => core.close());
  return { c: core, events, network };
}

const onCall = (events: BridgeEvent[]) =>
  events.filter((e) => e.type === 'notify' && e.title === 'You are on call');

/** Runs the shift-change job at `iso`, as the scheduler does every minute. */
async function handOffsAt(iso: string): Promise<void> {
  now = at(iso);
  const [job] = shiftChangeJobs(world.server.services.db.owner);
  await job?.run(now);
}

describe('shift starts on the desktop', () => {
  it('notify only the member whose shift starts, once', async () => {
    // 09:00 Berlin is 08:00 UTC: the member's turn on 30 Nov and 2 Dec, the approver's on 1 and 3 Dec.
    const { id: scheduleId } = await world.client('admin').schedules.create.mutate({
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
    const member = desktopOf('member');
    const approver = desktopOf('approver');
    const viewer = desktopOf('viewer');
    for (const d of [member, approver, viewer]) await d.c.engine.syncNow();
    // The job's first run marks the schedule; its past is never announced.
    await handOffsAt('2026-12-02T07:00:00Z');

    await handOffsAt('2026-12-02T08:00:30Z');
    for (const d of [member, approver, viewer]) await d.c.engine.syncNow();
    expect(onCall(member.events)).toEqual([
      {
        type: 'notify',
        title: 'You are on call',
        body: `You are on call for Daily from ${shiftStartWords('2026-12-02T08:00:00Z')}`,
        target: `vigilo://acme/schedules/${scheduleId}`,
      },
    ]);
    expect(onCall(approver.events)).toEqual([]);
    expect(onCall(viewer.events)).toEqual([]);
    // The replicated shift runs until the approver's turn, not until the job's run.
    expect(member.c.store.row('shift_starts', scheduleId)).toMatchObject({ user_id: users.member });
    expect(Date.parse(String(member.c.store.row('shift_starts', scheduleId)?.ends_at))).toBe(
      Date.parse('2026-12-03T08:00:00Z'),
    );

    // Later runs and syncs of the same shift tell nobody again.
    await handOffsAt('2026-12-02T08:05:00Z');
    for (const d of [member, approver]) await d.c.engine.syncNow();
    expect(onCall(member.events)).toHaveLength(1);

    // The approver's desktop is away at the next hand-off; it hears of it when back, while it runs.
    approver.network.online = false;
    await handOffsAt('2026-12-03T08:00:30Z');
    await member.c.engine.syncNow();
    await approver.c.engine.syncNow();
    expect(onCall(approver.events)).toEqual([]);
    now = at('2026-12-03T10:00:00Z');
    approver.network.online = true;
    await approver.c.engine.syncNow();
    expect(onCall(approver.events).map((e) => e.type === 'notify' && e.body)).toEqual([
      `You are on call for Daily from ${shiftStartWords('2026-12-03T08:00:00Z')}`,
    ]);
    expect(onCall(member.events)).toHaveLength(1);

    // The member's desktop sleeps through their whole next shift: waking after it ended, nothing.
    member.network.online = false;
    await handOffsAt('2026-12-04T08:00:30Z');
    now = at('2026-12-05T08:30:00Z');
    member.network.online = true;
    await member.c.engine.syncNow();
    expect(member.c.store.row('shift_starts', scheduleId)).toMatchObject({ user_id: users.member });
    expect(onCall(member.events)).toHaveLength(1);

    // A desktop's first sync is history: the shift running now is not announced.
    await handOffsAt('2026-12-05T08:31:00Z');
    const fresh = desktopOf('approver');
    await fresh.c.engine.syncNow();
    expect(fresh.c.store.row('shift_starts', scheduleId)).toMatchObject({ user_id: users.approver });
    expect(onCall(fresh.events)).toEqual([]);
  });
});
