import { randomUUID } from 'node:crypto';
import type { PushEntryInput } from '@vigilo/shared/outbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAlert } from '@vigilo/tests/support/alerts';
import { outcome } from '@vigilo/tests/support/client';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { scopedCount, scopedQuery } from './scoped-db.ts';

/**
 * Incidents meet alerts, changes and desktops: opening one from an alert links both ways, the
 * link rows replicate, the on-call engineer's offline notes and moves arrive through sync.push
 * once, and a postmortem turns its follow-up actions into tasks.
 */
let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => {
  await world?.close();
});

const member = () => world.client('member');

const push = (kind: string, args: Record<string, unknown>, clientId = randomUUID(), who = 'member') =>
  world
    .client(who)
    // Raw entries, some outside the contract on purpose: the server answers each one itself.
    .sync.push.mutate({ workspace: 'acme', mutations: [{ clientId, kind, args } as PushEntryInput] })
    .then((r) => r[0]!);

async function alertHost(alertId: string) {
  const rows = await scopedQuery<{ host_id: string; hostname: string; summary: string }>(
    world,
    'SELECT a.host_id::text, h.hostname, a.summary FROM alerts a JOIN hosts h ON h.id = a.host_id WHERE a.id = $1',
    [alertId],
  );
  return rows[0]!;
}

describe('opening an incident from an alert', () => {
  it('links the alert and its host, both ways, with title and severity from the alert', async () => {
    const alertId = await seedAlert(world, 'open', 'critical');
    const { host_id: hostId, hostname, summary } = await alertHost(alertId);
    const incident = await member().incidents.create.mutate({ workspace: 'acme', fromAlertId: alertId });
    expect(incident).toMatchObject({ title: `${summary} on ${hostname}`, severity: 'SEV2' });

    // The incident's side: get shows the alert with its state, and the host.
    const detail = await world.client('viewer').incidents.get.query({ workspace: 'acme', id: incident.id });
    expect(detail.links.map((l) => [l.type, l.targetId, l.state])).toEqual(
      expect.arrayContaining([
        ['alert', alertId, 'open'],
        ['host', hostId, null],
      ]),
    );
    expect(detail.timeline.map((e) => e.kind)).toEqual(['opened', 'linked', 'linked']);
    expect(detail.timeline[0]!.detail).toMatchObject({ fromAlertId: alertId });

    // The alert's side: its incidents, by the same link rows.
    const byAlert = await world.client('viewer').incidents.list.query({ workspace: 'acme', alertId });
    expect(byAlert.items.map((i) => i.id)).toEqual([incident.id]);
    const byHost = await world.client('viewer').incidents.list.query({ workspace: 'acme', hostId });
    expect(byHost.items.map((i) => i.id)).toEqual([incident.id]);
  });

  it('opens one incident per alert, also when two people click at once: the other is told which', async () => {
    const alertId = await seedAlert(world, 'open', 'warning');
    const results = await Promise.allSettled([
      member().incidents.create.mutate({ workspace: 'acme', fromAlertId: alertId }),
      world.client('approver').incidents.create.mutate({ workspace: 'acme', fromAlertId: alertId }),
    ]);
    const opened = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    expect(opened).toHaveLength(1);
    expect(opened[0]!.severity).toBe('SEV3');
    expect(refused).toHaveLength(1);
    expect(refused[0]!.message).toContain(`the alert is already part of the open incident`);
    expect(refused[0]!.message).toContain(opened[0]!.id);
    expect(
      await scopedCount(
        world,
        "SELECT 1 FROM incident_links WHERE target_type = 'alert' AND target_id = $1",
        [alertId],
      ),
    ).toBe(1);
    // Once it is resolved, the alert may start a new incident.
    await member().incidents.transition.mutate({ workspace: 'acme', id: opened[0]!.id, to: 'resolved' });
    expect(
      await outcome(() => member().incidents.create.mutate({ workspace: 'acme', fromAlertId: alertId })),
    ).toBe('OK');
  });

  it('refuses an unknown alert by name, storing nothing', async () => {
    const before = await scopedCount(world, 'SELECT 1 FROM incidents');
    expect(
      await outcome(() =>
        member().incidents.create.mutate({
          workspace: 'acme',
          fromAlertId: '00000000-0000-4000-8000-000000000001',
        }),
      ),
    ).toBe('BAD_REQUEST');
    expect(await scopedCount(world, 'SELECT 1 FROM incidents')).toBe(before);
  });
});

describe('linking changes', () => {
  it('links a change by id with its title on the timeline, and refuses a made-up one', async () => {
    const [change] = await scopedQuery<{ id: string }>(
      world,
      `INSERT INTO changes (workspace_id, type, title, requester_id, risk_level, risk_score)
       VALUES ($1, 'normal', 'Rotate the LB certificate', gen_random_uuid(), 'low', 0) RETURNING id::text`,
      [world.workspace.id],
    );
    const { id } = await member().incidents.create.mutate({
      workspace: 'acme',
      title: 'TLS errors',
      severity: 'SEV3',
    });
    const linked = await member().incidents.link.mutate({ workspace: 'acme', id, changeIds: [change!.id] });
    expect(linked.linked).toEqual([
      { type: 'change', targetId: change!.id, label: 'Rotate the LB certificate' },
    ]);
    const detail = await member().incidents.get.query({ workspace: 'acme', id });
    expect(detail.timeline.at(-1)).toMatchObject({ kind: 'linked', detail: { targetType: 'change' } });
    const audit = await world.client('owner').audit.list.query({
      workspace: 'acme',
      filter: { action: 'incident.linked', targetId: id },
    });
    expect(audit.rows).toHaveLength(1);
    expect(
      await outcome(() =>
        member().incidents.link.mutate({
          workspace: 'acme',
          id,
          changeIds: ['00000000-0000-4000-8000-000000000002'],
        }),
      ),
    ).toBe('BAD_REQUEST');
  });
});

describe('replication and the offline outbox', () => {
  it('replicates incidents, their timeline and links to every reader', async () => {
    const alertId = await seedAlert(world, 'open');
    const { id } = await member().incidents.create.mutate({ workspace: 'acme', fromAlertId: alertId });
    const page = await world.client('viewer').sync.pull.query({ workspace: 'acme', limit: 5000 });
    expect(page.tables).toEqual(expect.arrayContaining(['incidents', 'incident_timeline', 'incident_links']));
    const rows = (table: string) => page.changes.filter((c) => c.table === table).map((c) => c.row);
    expect(rows('incidents')).toContainEqual(expect.objectContaining({ id, state: 'investigating' }));
    expect(rows('incident_links')).toContainEqual(
      expect.objectContaining({ incident_id: id, target_type: 'alert', target_id: alertId }),
    );
    expect(rows('incident_timeline')).toContainEqual(
      expect.objectContaining({ incident_id: id, kind: 'opened' }),
    );
  });

  it('adds a note once per client id, as incidents.note does, and conflicts on a gone incident', async () => {
    const { id } = await member().incidents.create.mutate({
      workspace: 'acme',
      title: 'Offline',
      severity: 'SEV4',
    });
    const clientId = randomUUID();
    const noteId = randomUUID();
    const args = { incidentId: id, noteId, body: 'restarted the proxy at 14:02' };
    expect(await push('incident.note', args, clientId)).toMatchObject({ status: 'applied', replayed: false });
    expect(await push('incident.note', args, clientId)).toMatchObject({ status: 'applied', replayed: true });
    // The same note under another client id (a retry after a lost answer) is still one note.
    expect(await push('incident.note', args)).toMatchObject({ status: 'applied', replayed: false });
    const { timeline } = await member().incidents.get.query({ workspace: 'acme', id });
    expect(timeline.filter((e) => e.kind === 'note')).toEqual([
      expect.objectContaining({ id: noteId, body: 'restarted the proxy at 14:02' }),
    ]);
    const audit = await world.client('owner').audit.list.query({
      workspace: 'acme',
      filter: { action: 'incident.noted', targetId: id },
    });
    expect(audit.rows).toHaveLength(1);

    const theirs = await world
      .client('outsider')
      .incidents.create.mutate({ workspace: 'other', title: 'Theirs', severity: 'SEV1' });
    expect(
      await push('incident.note', { ...args, incidentId: theirs.id, noteId: randomUUID() }),
    ).toMatchObject({
      status: 'conflict',
      reason: 'not_found',
    });
    const bad = await push('incident.note', { incidentId: id, noteId: randomUUID(), body: '  ' });
    expect(bad).toMatchObject({ status: 'conflict', reason: 'invalid' });
    expect(bad.status === 'conflict' && bad.message).toMatch(/^body: /);
    expect(
      await push('incident.note', { ...args, noteId: randomUUID() }, randomUUID(), 'viewer'),
    ).toMatchObject({
      status: 'conflict',
      reason: 'forbidden',
    });
  });

  it('moves an incident offline, and a move from a state it has left is a stale conflict', async () => {
    const { id } = await member().incidents.create.mutate({
      workspace: 'acme',
      title: 'Moves',
      severity: 'SEV3',
    });
    expect(
      await push('incident.transition', { incidentId: id, to: 'identified', expectedState: 'investigating' }),
    ).toMatchObject({ status: 'applied', value: { state: 'identified' } });
    expect(
      await push('incident.transition', { incidentId: id, to: 'resolved', expectedState: 'investigating' }),
    ).toMatchObject({ status: 'conflict', reason: 'stale' });
    const illegal = await push('incident.transition', { incidentId: id, to: 'investigating' });
    expect(illegal).toMatchObject({ status: 'conflict', reason: 'invalid' });
    expect(illegal.status === 'conflict' && illegal.message).toContain('it may go to monitoring, resolved');
  });
});

describe('the postmortem', () => {
  it('is written once resolved, and its follow-up actions become the incident’s tasks', async () => {
    const { rows } = await world.server.services.db.owner.query<{ id: string }>(
      "SELECT id FROM users WHERE email = 'approver@example.test'",
    );
    const approverId = rows[0]!.id;
    const { id } = await member().incidents.create.mutate({
      workspace: 'acme',
      title: 'Expired cert',
      severity: 'SEV2',
    });
    expect(
      await outcome(() => member().incidents.postmortem.mutate({ workspace: 'acme', id, summary: 'x' })),
    ).toBe('BAD_REQUEST');
    await member().incidents.transition.mutate({ workspace: 'acme', id, to: 'resolved' });
    const badAssignee = await outcome(() =>
      member().incidents.postmortem.mutate({
        workspace: 'acme',
        id,
        summary: 'x',
        followUps: [{ title: 'ok' }, { title: 'nobody', assigneeId: '00000000-0000-4000-8000-000000000003' }],
      }),
    );
    expect(badAssignee).toBe('BAD_REQUEST');
    expect(await scopedCount(world, 'SELECT 1 FROM tasks WHERE incident_id = $1', [id])).toBe(0);

    const written = await member().incidents.postmortem.mutate({
      workspace: 'acme',
      id,
      summary: 'The certificate expired unnoticed.',
      rootCause: 'Renewal owned by nobody',
      followUps: [
        {
          title: 'Alert 30 days before expiry',
          assigneeId: approverId,
          dueAt: new Date('2031-01-01T00:00:00Z'),
        },
        { title: 'Name an owner for every certificate' },
      ],
    });
    expect(written.postmortem).toMatchObject({ summary: 'The certificate expired unnoticed.' });
    expect(written.followUps.map((t) => [t.title, t.assigneeId, t.incidentId])).toEqual([
      ['Alert 30 days before expiry', approverId, id],
      ['Name an owner for every certificate', null, id],
    ]);
    await member().incidents.postmortem.mutate({ workspace: 'acme', id, summary: 'Revised.' });
    const detail = await member().incidents.get.query({ workspace: 'acme', id });
    expect(detail.tasks).toHaveLength(2);
    expect(detail.postmortem?.summary).toBe('Revised.');
    expect(detail.timeline.filter((e) => e.kind === 'postmortem')).toHaveLength(2);
    const events = await scopedQuery<{ type: string }>(
      world,
      "SELECT type FROM events WHERE payload->>'incidentId' = $1 AND type LIKE 'postmortem.%' ORDER BY seq",
      [id],
    );
    expect(events.map((e) => e.type)).toEqual(['postmortem.written', 'postmortem.updated']);
  });
});
