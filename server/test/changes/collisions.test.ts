import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAlert } from '@vigilo/tests/support/alerts';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { eventsAbout, span } from './calendar-support.ts';
import { auditRows, CALM, inAcme, seedHost, WS } from './support.ts';

/**
 * Collisions, each kind through the API: found when a change is raised, edited or scheduled,
 * stored on the change with their reasons (overlaps on both changes), listed by changes.get and
 * changes.list, each difference recorded; they warn and never block.
 */
const now = new Date('2033-05-02T08:00:00.000Z');
const HOUR = 3_600_000;
let world: World;

beforeAll(async () => {
  world = await createWorld({ clock: () => now });
});
afterAll(async () => {
  await world?.close();
});

const member = () => world.client('member');
const get = (id: string) => member().changes.get.query({ workspace: WS, id });
const kinds = async (id: string) => (await get(id)).collisions.map((c) => c.kind);

async function raise(title: string, fields: Record<string, unknown>) {
  return member().changes.create.mutate({ workspace: WS, title, riskAnswers: CALM, ...fields });
}

describe('collisions', () => {
  it('finds two changes overlapping on a host, on both of them, and forgets it when one moves or ends', async () => {
    const host = await seedHost(world, ['web']);
    const a = await raise('renew the web certificate', { affectedHostIds: [host], ...span(now, 100) });
    expect(await kinds(a.id)).toEqual([]);
    // Touching the host through its tag is touching it too.
    const b = await raise('patch the web servers', { affectedTags: ['web'], ...span(now, 101) });
    const [onB] = (await get(b.id)).collisions;
    expect(onB).toMatchObject({
      kind: 'host_overlap',
      otherChangeId: a.id,
      hostId: host,
      reason: expect.stringMatching(
        /^overlaps "renew the web certificate" \(2033-05-06 12:00 – 2033-05-06 14:00 UTC\) on change-host-/,
      ),
    });
    expect((await get(a.id)).collisions).toEqual([
      expect.objectContaining({
        kind: 'host_overlap',
        otherChangeId: b.id,
        reason: expect.stringMatching(/^overlaps "patch the web servers"/),
      }),
    ]);
    const listed = await member().changes.list.query({ workspace: WS, hostId: host });
    expect(listed.changes.find((c) => c.id === a.id)?.collisions.map((c) => c.otherChangeId)).toEqual([b.id]);

    // B moves away: both forget it, and A's audit says it was B's move.
    await member().changes.update.mutate({
      workspace: WS,
      id: b.id,
      revision: b.revision,
      ...span(now, 110),
    });
    expect([await kinds(a.id), await kinds(b.id)]).toEqual([[], []]);
    const onA = (await auditRows(world, a.id)).filter((r) => r.action === 'change.collisions_updated');
    expect(
      onA.map((r) => [(r.summary.after as { collisions: unknown[] }).collisions.length, r.summary.because]),
    ).toEqual([
      [1, b.id],
      [0, b.id],
    ]);
    expect(await eventsAbout(world, 'change.collisions_updated', 'changeId', a.id)).toHaveLength(2);

    // Back again, then B is cancelled: a change that is over overlaps nothing.
    const back = await get(b.id);
    await member().changes.update.mutate({
      workspace: WS,
      id: b.id,
      revision: back.revision,
      ...span(now, 100),
    });
    expect(await kinds(a.id)).toEqual(['host_overlap']);
    await member().changes.transition.mutate({ workspace: WS, id: b.id, to: 'cancelled' });
    expect(await kinds(a.id)).toEqual([]);
  });

  it('finds a change outside every maintenance window of a host that has some', async () => {
    const host = await seedHost(world);
    const free = await seedHost(world);
    // Weekly, Sundays 22:00–02:00 from 2033-05-01.
    await world.client('admin').alerts.scheduleMaintenance.mutate({
      workspace: WS,
      name: 'Sunday night',
      hostIds: [host],
      startsAt: new Date('2033-05-01T22:00:00Z'),
      endsAt: new Date('2033-05-02T02:00:00Z'),
      repeatDays: 7,
    });
    const inside = await raise('inside', {
      affectedHostIds: [host, free],
      plannedStart: new Date('2033-05-15T23:00:00Z'),
      plannedEnd: new Date('2033-05-16T01:00:00Z'),
    });
    expect(await kinds(inside.id)).toEqual([]);
    const outside = await raise('outside', {
      affectedHostIds: [host, free],
      plannedStart: new Date('2033-05-16T01:00:00Z'),
      plannedEnd: new Date('2033-05-16T03:00:00Z'),
    });
    expect((await get(outside.id)).collisions).toEqual([
      expect.objectContaining({
        kind: 'outside_maintenance_window',
        hostId: host,
        reason: expect.stringMatching(
          /has maintenance windows \("Sunday night"\) and none holds 2033-05-16 01:00 – 2033-05-16 03:00 UTC/,
        ),
      }),
    ]);
  });

  it('finds a renewal planned to finish after the certificate it renews expires', async () => {
    const host = await seedHost(world);
    const fingerprint = 'AA:BB:CC:' + Date.now().toString(16);
    await inAcme(world, (q) =>
      q(
        `INSERT INTO certificates (workspace_id, fingerprint, subject, issuer, sans, serial, not_before, not_after,
           key_algorithm, signature_algorithm, first_seen, last_seen)
         VALUES ($1, $2, 'CN=shop.example', 'CN=CA', '{shop.example}', '01', $3, $4, 'EC', 'ecdsa-with-SHA256', $3, $3)`,
        [
          world.workspace.id,
          fingerprint,
          new Date(now.getTime() - 80 * 24 * HOUR),
          new Date(now.getTime() + 72 * HOUR),
        ],
      ),
    );
    const late = await raise('renew shop', {
      affectedHostIds: [host],
      certificateFingerprint: fingerprint,
      ...span(now, 71),
    });
    expect((await get(late.id)).collisions).toEqual([
      expect.objectContaining({
        kind: 'certificate_expires_first',
        reason:
          'planned to finish 2033-05-05 09:00 UTC, after the certificate it renews (CN=shop.example) expires 2033-05-05 08:00 UTC',
      }),
    ]);
    const fixed = await member().changes.update.mutate({
      workspace: WS,
      id: late.id,
      revision: late.revision,
      ...span(now, 50),
    });
    expect(await kinds(fixed.id)).toEqual([]);
  });

  it('finds open critical alerts and incidents on its hosts, except those it links, and never blocks', async () => {
    const alertId = await seedAlert(world, 'open', 'critical');
    const { rows } = await inAcme(world, (q) =>
      q<{ host_id: string }>('SELECT host_id FROM alerts WHERE id = $1', [alertId]),
    );
    const host = rows[0]!.host_id;
    const incident = await member().incidents.create.mutate({
      workspace: WS,
      title: 'checkout is slow',
      severity: 'SEV2',
      hostIds: [host],
    });
    const change = await raise('restart checkout', { affectedHostIds: [host], ...span(now, 60) });
    const { collisions } = await get(change.id);
    expect(collisions.map((c) => [c.kind, c.hostId])).toEqual([
      ['open_problem', host],
      ['open_problem', host],
    ]);
    expect(collisions.map((c) => c.reason).sort()).toEqual([
      expect.stringMatching(/^open SEV2 incident on host-.*: checkout is slow$/),
      expect.stringMatching(/^open critical alert on host-.*: certificate expires soon/),
    ]);
    // Linked, they are what the change is about: no longer collisions.
    const linked = await member().changes.update.mutate({
      workspace: WS,
      id: change.id,
      revision: change.revision,
      alertIds: [alertId],
      incidentIds: [incident.id],
    });
    expect(await kinds(change.id)).toEqual([]);

    // Collisions warn: a change with every kind of them can still be submitted and scheduled.
    await member().changes.update.mutate({
      workspace: WS,
      id: change.id,
      revision: linked.revision,
      alertIds: [],
      incidentIds: [],
    });
    await member().changes.transition.mutate({ workspace: WS, id: change.id, to: 'submitted' });
    const { approvals } = await get(change.id);
    await world.client('approver').approvals.decide.mutate({
      workspace: WS,
      requestId: approvals.at(-1)!.requestId,
      decision: 'approve',
    });
    const scheduled = await member().changes.transition.mutate({
      workspace: WS,
      id: change.id,
      to: 'scheduled',
    });
    expect(scheduled.state).toBe('scheduled');
    expect(await kinds(change.id)).toEqual(['open_problem', 'open_problem']);
  });
});
