import { createWorld, type World } from '@vigilo/tests/support/world';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Maintenance windows after they are scheduled (list, edit, cancel) and snoozes in force (list,
 * lift), through the real server on a real Postgres, with the server's clock held by the test.
 * Each change leaves its audit row; each refusal names its field and stores nothing.
 */
const DAY = 86_400_000;
let now = new Date('2026-11-30T12:00:00.000Z');
let world: World;
let hostId: string;
let otherHostId: string;
const owner = () => world.client('owner');
const auditOf = async (action: string) =>
  (await owner().audit.list.query({ workspace: 'acme', filter: { action } })).rows;

beforeAll(async () => {
  world = await createWorld({ clock: () => now });
  hostId = (
    await owner().hosts.add.mutate({
      workspace: 'acme',
      hostname: 'db.example.internal',
      port: 5432,
      tags: ['db'],
    })
  ).id;
  otherHostId = (
    await world
      .client('outsider')
      .hosts.add.mutate({ workspace: 'other', hostname: 'theirs.example.internal', port: 443 })
  ).id;
});
afterAll(async () => {
  await world?.close();
});

describe('maintenance windows', () => {
  let id: string;

  it('lists a scheduled window with whether it is in force, edits it and cancels it, each audited', async () => {
    ({ id } = await owner().alerts.scheduleMaintenance.mutate({
      workspace: 'acme',
      name: 'Patch night',
      hostIds: [hostId],
      startsAt: new Date(now.getTime() + DAY),
      endsAt: new Date(now.getTime() + DAY + 2 * 3_600_000),
    }));
    const [listed] = await world.client('viewer').maintenance.list.query({ workspace: 'acme' });
    expect(listed).toMatchObject({
      id,
      name: 'Patch night',
      hostIds: [hostId],
      tags: [],
      repeatDays: null,
      inForce: false,
    });

    const edited = await owner().maintenance.update.mutate({
      workspace: 'acme',
      id,
      name: 'Weekly patch night',
      tags: ['db'],
      startsAt: new Date(now.getTime() - 3_600_000),
      repeatDays: 7,
    });
    expect(edited).toMatchObject({ name: 'Weekly patch night', tags: ['db'], repeatDays: 7, inForce: true });
    const [updated] = await auditOf('maintenance.updated');
    expect(JSON.parse(updated!.summary)).toMatchObject({
      before: { name: 'Patch night', repeatDays: null },
      after: { name: 'Weekly patch night', repeatDays: 7, tags: ['db'] },
    });

    // A repeating window is listed long after its first end; a one-off one only until it ends.
    now = new Date(now.getTime() + 30 * DAY);
    expect((await owner().maintenance.list.query({ workspace: 'acme' })).map((w) => w.id)).toEqual([id]);
    await owner().maintenance.update.mutate({ workspace: 'acme', id, repeatDays: null });
    expect(await owner().maintenance.list.query({ workspace: 'acme' })).toEqual([]);
    expect(await owner().maintenance.list.query({ workspace: 'acme', ended: true })).toHaveLength(1);

    await owner().maintenance.cancel.mutate({ workspace: 'acme', id });
    expect(await owner().maintenance.list.query({ workspace: 'acme', ended: true })).toEqual([]);
    const [cancelled] = await auditOf('maintenance.cancelled');
    expect(cancelled).toMatchObject({ targetType: 'maintenance_window', targetId: id, actorType: 'user' });
    await expect(owner().maintenance.cancel.mutate({ workspace: 'acme', id })).rejects.toMatchObject({
      data: { code: 'NOT_FOUND' },
    });
  });

  it('refuses a bad edit naming the field, and stores nothing', async () => {
    ({ id } = await owner().alerts.scheduleMaintenance.mutate({
      workspace: 'acme',
      name: 'Kept',
      tags: ['db'],
      startsAt: new Date(now.getTime() + DAY),
      endsAt: new Date(now.getTime() + 2 * DAY),
    }));
    const refused = async (patch: Record<string, unknown>) => {
      const err = await owner()
        .maintenance.update.mutate({ workspace: 'acme', id, ...patch })
        .then(
          () => undefined,
          (e: { data?: { code?: string; fieldErrors?: Record<string, string> } }) => e,
        );
      expect(err?.data?.code).toBe('BAD_REQUEST');
      return err?.data?.fieldErrors;
    };
    expect(await refused({ endsAt: new Date(now.getTime() + DAY / 2) })).toEqual({
      endsAt: 'endsAt must be after startsAt',
    });
    expect(await refused({ tags: [] })).toEqual({ hostIds: 'cover at least one host or tag' });
    expect(await refused({ repeatDays: 1, endsAt: new Date(now.getTime() + 3 * DAY) })).toEqual({
      repeatDays: 'a repeating window must be shorter than its repeat period',
    });
    // Another workspace's host looks like no host at all.
    expect(await refused({ hostIds: [hostId, otherHostId] })).toEqual({
      'hostIds.1': 'no such host in this workspace',
    });
    expect(await refused({ name: '  ' })).toMatchObject({ name: 'name must not be empty' });
    const [kept] = await owner().maintenance.list.query({ workspace: 'acme' });
    expect(kept).toMatchObject({ id, name: 'Kept', tags: ['db'], hostIds: [], repeatDays: null });
    // The first test's two edits only: none of the refused ones left a row.
    expect(await auditOf('maintenance.updated')).toHaveLength(2);
  });

  it('is edited and cancelled by admins only; every member reads it', async () => {
    for (const who of ['member', 'viewer'])
      await expect(
        world.client(who).maintenance.cancel.mutate({ workspace: 'acme', id }),
      ).rejects.toMatchObject({
        data: { code: 'FORBIDDEN' },
      });
    expect(await world.client('member').maintenance.list.query({ workspace: 'acme' })).toHaveLength(1);
    await expect(
      world.client('outsider').maintenance.list.query({ workspace: 'acme' }),
    ).rejects.toBeDefined();
    await world.client('admin').maintenance.cancel.mutate({ workspace: 'acme', id });
  });
});

describe('snoozes', () => {
  it('lists the snoozes in force with what they name, and a member lifts one, audited', async () => {
    const until = new Date(now.getTime() + DAY);
    const { id } = await world
      .client('member')
      .alerts.snooze.mutate({ workspace: 'acme', hostId, until, reason: 'migration' });
    const listed = await world.client('viewer').snoozes.list.query({ workspace: 'acme' });
    expect(listed).toEqual([
      expect.objectContaining({
        id,
        hostId,
        hostname: 'db.example.internal',
        port: 5432,
        ruleId: null,
        until,
        reason: 'migration',
      }),
    ]);
    await expect(world.client('viewer').snoozes.lift.mutate({ workspace: 'acme', id })).rejects.toMatchObject(
      {
        data: { code: 'FORBIDDEN' },
      },
    );
    expect(await world.client('member').snoozes.lift.mutate({ workspace: 'acme', id })).toEqual({
      id,
      until: now,
    });
    expect(await owner().snoozes.list.query({ workspace: 'acme' })).toEqual([]);
    const [lifted] = await auditOf('alert.unsnoozed');
    expect(lifted).toMatchObject({ targetType: 'host', targetId: hostId });
    expect(JSON.parse(lifted!.summary)).toMatchObject({ snoozeId: id, before: { hostId }, after: {} });
    // Lifted already: the second person is told, and nothing changes.
    await expect(owner().snoozes.lift.mutate({ workspace: 'acme', id })).rejects.toMatchObject({
      message: 'the snooze has already ended',
      data: { code: 'CONFLICT' },
    });
  });

  it('keeps another workspace’s snoozes out of sight and out of reach', async () => {
    const theirs = await world
      .client('outsider')
      .alerts.snooze.mutate({ workspace: 'other', hostId: otherHostId, duration: '1d' });
    expect(await owner().snoozes.list.query({ workspace: 'acme' })).toEqual([]);
    await expect(owner().snoozes.lift.mutate({ workspace: 'acme', id: theirs.id })).rejects.toMatchObject({
      data: { code: 'NOT_FOUND' },
    });
    await expect(owner().snoozes.lift.mutate({ workspace: 'acme', id: 'nope' })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST', fieldErrors: { id: 'id must be a snooze id' } },
    });
  });
});
