import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outcome } from '@vigilo/tests/support/client';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { approvedChange, eventsAbout, span } from './calendar-support.ts';
import { auditRows, seedHost, WS } from './support.ts';

/**
 * Freeze windows: scheduling a change inside one is refused naming the window, whether by the
 * move to scheduled or by moving a scheduled change's window; an emergency change is let through
 * and flagged (a collision, an audit row and an event). Tagged windows hold only their hosts.
 */
const now = new Date('2033-03-01T09:00:00.000Z');
const HOUR = 3_600_000;
let world: World;

beforeAll(async () => {
  world = await createWorld({ clock: () => now });
});
afterAll(async () => {
  await world?.close();
});

const approver = () => world.client('approver');
const member = () => world.client('member');

describe('freeze windows', () => {
  it('refuses scheduling a change inside one, naming the window, and stores nothing', async () => {
    const host = await seedHost(world);
    const id = await approvedChange(world, {
      title: 'upgrade the load balancer',
      affectedHostIds: [host],
      ...span(now, 100),
    });
    const freeze = await approver().freezeWindows.create.mutate({
      workspace: WS,
      name: 'Quarter close',
      reason: 'finance closes the books',
      startsAt: new Date(now.getTime() + 96 * HOUR),
      endsAt: new Date(now.getTime() + 120 * HOUR),
    });
    // The change already planned inside it is named, and shows the window as a collision.
    expect(freeze.changesInside).toEqual([{ id, title: 'upgrade the load balancer' }]);
    const planned = await member().changes.get.query({ workspace: WS, id });
    expect(planned.collisions).toEqual([
      expect.objectContaining({
        kind: 'freeze_window',
        freezeWindowId: freeze.id,
        reason: expect.stringMatching(/inside the freeze window "Quarter close".*cannot be scheduled there/),
      }),
    ]);

    const before = await auditRows(world, id);
    await expect(
      member().changes.transition.mutate({ workspace: WS, id, to: 'scheduled' }),
    ).rejects.toMatchObject({
      message: expect.stringMatching(
        /inside the freeze window "Quarter close" \(2033-03-05 09:00 – 2033-03-06 09:00 UTC\)/,
      ),
      data: { code: 'CONFLICT' },
    });
    expect((await member().changes.get.query({ workspace: WS, id })).state).toBe('approved');
    expect(await auditRows(world, id)).toEqual(before);

    // Moved out of the window, it is scheduled; moved back in while scheduled, refused again.
    const moved = await member().changes.update.mutate({
      workspace: WS,
      id,
      revision: planned.revision,
      ...span(now, 130),
    });
    const scheduled = await member().changes.transition.mutate({ workspace: WS, id, to: 'scheduled' });
    expect(scheduled.state).toBe('scheduled');
    expect((await member().changes.get.query({ workspace: WS, id })).collisions).toEqual([]);
    await expect(
      member().changes.update.mutate({ workspace: WS, id, revision: moved.revision, ...span(now, 110) }),
    ).rejects.toMatchObject({
      data: { code: 'CONFLICT' },
      message: expect.stringMatching(/"Quarter close"/),
    });
    expect((await member().changes.get.query({ workspace: WS, id })).plannedStart).toEqual(
      span(now, 130).plannedStart,
    );
  });

  it('lets an emergency change be scheduled inside one, and flags it', async () => {
    const host = await seedHost(world, ['payments']);
    await approver().freezeWindows.create.mutate({
      workspace: WS,
      name: 'Payments freeze',
      startsAt: new Date(now.getTime() + 200 * HOUR),
      endsAt: new Date(now.getTime() + 240 * HOUR),
      tags: ['payments'],
    });
    const id = await approvedChange(world, {
      title: 'patch the leaked key',
      type: 'emergency',
      affectedHostIds: [host],
      ...span(now, 210),
    });
    const scheduled = await member().changes.transition.mutate({ workspace: WS, id, to: 'scheduled' });
    expect(scheduled.state).toBe('scheduled');
    const { collisions } = await member().changes.get.query({ workspace: WS, id });
    expect(collisions).toEqual([
      expect.objectContaining({
        kind: 'freeze_window',
        reason: expect.stringMatching(
          /^emergency change inside the freeze window "Payments freeze".*flagged/,
        ),
      }),
    ]);
    // Warned of from the start (a collision since it was raised), flagged when it was scheduled.
    const audit = await auditRows(world, id);
    expect(audit.map((r) => r.action).slice(0, 2)).toEqual(['change.created', 'change.collisions_updated']);
    expect(audit.map((r) => r.action).slice(-2)).toEqual(['change.transitioned', 'change.freeze_exception']);
    expect(audit.at(-1)!.summary.after).toMatchObject({
      state: 'scheduled',
      freezeWindows: [{ name: 'Payments freeze' }],
    });
    expect(await eventsAbout(world, 'change.freeze_exception', 'changeId', id)).toHaveLength(1);
  });

  it('holds a tagged window only over changes touching its tags', async () => {
    const elsewhere = await seedHost(world, ['internal']);
    const id = await approvedChange(world, {
      title: 'rotate internal logs',
      affectedHostIds: [elsewhere],
      ...span(now, 210),
    });
    expect((await member().changes.transition.mutate({ workspace: WS, id, to: 'scheduled' })).state).toBe(
      'scheduled',
    );
    // Naming the tag on the change itself is enough to be held.
    const tagged = await approvedChange(world, {
      title: 'payments config',
      affectedTags: ['payments'],
      ...span(now, 220),
    });
    expect(
      await outcome(() => member().changes.transition.mutate({ workspace: WS, id: tagged, to: 'scheduled' })),
    ).toBe('CONFLICT');
  });

  it('records each window change, re-checks the changes it covered on removal, and refuses bad input', async () => {
    const host = await seedHost(world);
    const id = await approvedChange(world, {
      title: 'swap disks',
      affectedHostIds: [host],
      ...span(now, 300),
    });
    const w = await approver().freezeWindows.create.mutate({
      workspace: WS,
      name: 'Audit week',
      startsAt: new Date(now.getTime() + 290 * HOUR),
      endsAt: new Date(now.getTime() + 310 * HOUR),
    });
    const updated = await approver().freezeWindows.update.mutate({
      workspace: WS,
      id: w.id,
      name: 'Audit fortnight',
    });
    expect(updated.name).toBe('Audit fortnight');
    expect((await member().changes.get.query({ workspace: WS, id })).collisions[0]?.reason).toMatch(
      /Audit fortnight/,
    );
    const removed = await approver().freezeWindows.remove.mutate({ workspace: WS, id: w.id });
    expect(removed.changesTouched).toEqual([{ id, title: 'swap disks' }]);
    expect((await member().changes.get.query({ workspace: WS, id })).collisions).toEqual([]);
    expect((await auditRows(world, w.id)).map((r) => r.action)).toEqual([
      'freeze_window.created',
      'freeze_window.updated',
      'freeze_window.removed',
    ]);
    const collisionAudit = (await auditRows(world, id)).filter(
      (r) => r.action === 'change.collisions_updated',
    );
    expect(
      collisionAudit.map((r) => (r.summary.after as { collisions: unknown[] }).collisions.length),
    ).toEqual([1, 1, 0]);
    expect(await eventsAbout(world, 'freeze_window.removed', 'freezeWindowId', w.id)).toHaveLength(1);

    const listed = await member().freezeWindows.list.query({ workspace: WS });
    await expect(
      approver().freezeWindows.create.mutate({
        workspace: WS,
        name: 'backwards',
        startsAt: new Date(now.getTime() + 10 * HOUR),
        endsAt: new Date(now.getTime() + 5 * HOUR),
      }),
    ).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST', fieldErrors: { endsAt: expect.stringMatching(/after/) } },
    });
    await expect(
      approver().freezeWindows.update.mutate({
        workspace: WS,
        id: listed[0]!.id,
        endsAt: new Date('2000-01-01'),
      }),
    ).rejects.toMatchObject({ data: { code: 'BAD_REQUEST', fieldErrors: { endsAt: expect.any(String) } } });
    expect(await member().freezeWindows.list.query({ workspace: WS })).toEqual(listed);
    expect(
      await outcome(() => member().freezeWindows.remove.mutate({ workspace: WS, id: listed[0]!.id })),
    ).toBe('FORBIDDEN');
  });
});
