import { TRPCClientError } from '@trpc/client';
import { INCIDENT_STATES, INCIDENT_TRANSITIONS, type IncidentState } from '@vigilo/shared/incident-states';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outcome } from '@vigilo/tests/support/client';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { scopedCount, scopedQuery } from './scoped-db.ts';

/**
 * Incidents through the real API: the state machine with every refused move, the timeline the
 * domain writes by itself, the audit row and event of each state change, bad input refused by
 * name with nothing stored, and another workspace's incident looking like no incident at all.
 */
let world: World;
let userIds: Record<string, string>;
beforeAll(async () => {
  world = await createWorld();
  // Users are global (no row security): every signed-in user, members of acme or not.
  const { rows } = await world.server.services.db.owner.query<{ id: string; email: string }>(
    'SELECT id, email FROM users',
  );
  userIds = Object.fromEntries(rows.map((u) => [u.email.split('@')[0] ?? '', u.id]));
});
afterAll(async () => {
  await world?.close();
});

const member = () => world.client('member');
const open = (title = 'Checkout is down') =>
  member().incidents.create.mutate({ workspace: 'acme', title, severity: 'SEV2' });

/** The error of a failed call as a client sees it; fails the test when the call succeeds. */
async function refusal(call: () => Promise<unknown>) {
  try {
    await call();
  } catch (err) {
    if (!(err instanceof TRPCClientError)) throw err;
    const data = err.data as { code: string; fieldErrors?: Record<string, string> };
    return { code: data.code, fieldErrors: data.fieldErrors ?? {}, message: err.message };
  }
  throw new Error('the call succeeded');
}

const count = (sql: string, values: unknown[]) => scopedCount(world, sql, values);

/** Drives an incident to `state` along allowed moves (the machine's own table). */
async function reach(id: string, state: IncidentState) {
  const path: Record<IncidentState, IncidentState[]> = {
    investigating: [],
    identified: ['identified'],
    monitoring: ['monitoring'],
    resolved: ['resolved'],
    closed: ['resolved', 'closed'],
  };
  for (const to of path[state]) await member().incidents.transition.mutate({ workspace: 'acme', id, to });
}

describe('the incident state machine', () => {
  it('opens investigating, with the opener as commander', async () => {
    const incident = await open();
    expect(incident).toMatchObject({ state: 'investigating', severity: 'SEV2', commanderId: userIds.member });
  });

  it.each(INCIDENT_STATES.flatMap((from) => INCIDENT_STATES.map((to) => [from, to] as const)))(
    '%s → %s is allowed exactly when the shared table says so',
    async (from, to) => {
      const { id } = await open(`${from} to ${to}`);
      await reach(id, from);
      const allowed = INCIDENT_TRANSITIONS[from].includes(to);
      const call = () => member().incidents.transition.mutate({ workspace: 'acme', id, to });
      if (allowed) {
        expect((await call()).state).toBe(to);
        return;
      }
      const before = await count('SELECT 1 FROM incident_timeline WHERE incident_id = $1', [id]);
      const r = await refusal(call);
      expect(r.code).toBe('BAD_REQUEST');
      const expected = INCIDENT_TRANSITIONS[from].join(', ');
      expect(r.fieldErrors.to).toContain(expected === '' ? `${from} is final` : `it may go to ${expected}`);
      const after = await member().incidents.get.query({ workspace: 'acme', id });
      expect(after.state).toBe(from);
      expect(await count('SELECT 1 FROM incident_timeline WHERE incident_id = $1', [id])).toBe(before);
    },
  );

  it('keeps the resolution time, clears it when reopened, and refuses a move from a state it no longer is in', async () => {
    const { id } = await open();
    const resolved = await member().incidents.transition.mutate({ workspace: 'acme', id, to: 'resolved' });
    expect(resolved.resolvedAt).toBeInstanceOf(Date);
    const reopened = await member().incidents.transition.mutate({
      workspace: 'acme',
      id,
      to: 'investigating',
      note: 'errors are back',
    });
    expect(reopened).toMatchObject({ state: 'investigating', resolvedAt: null });
    const stale = await refusal(() =>
      member().incidents.transition.mutate({
        workspace: 'acme',
        id,
        to: 'closed',
        expectedState: 'resolved',
      }),
    );
    expect(stale).toMatchObject({
      code: 'CONFLICT',
      message: 'the incident is investigating now, no longer resolved',
    });
  });

  it('writes an audit row and an event for every state change, in order', async () => {
    const { id } = await open();
    for (const to of ['identified', 'monitoring', 'resolved', 'closed'] as const)
      await member().incidents.transition.mutate({ workspace: 'acme', id, to });
    const audit = await world
      .client('owner')
      .audit.list.query({ workspace: 'acme', filter: { targetId: id } });
    expect(audit.rows.map((r) => r.action).reverse()).toEqual([
      'incident.opened',
      'incident.transitioned',
      'incident.transitioned',
      'incident.transitioned',
      'incident.transitioned',
    ]);
    const events = await scopedQuery<{ type: string; payload: { to?: string } }>(
      world,
      "SELECT type, payload FROM events WHERE payload->>'incidentId' = $1 ORDER BY seq",
      [id],
    );
    expect(events.map((e) => [e.type, e.payload.to ?? null])).toEqual([
      ['incident.opened', null],
      ['incident.transitioned', 'identified'],
      ['incident.transitioned', 'monitoring'],
      ['incident.transitioned', 'resolved'],
      ['incident.transitioned', 'closed'],
    ]);
  });
});

describe('the timeline', () => {
  it('records opening, every move, edits, notes and links by itself', async () => {
    const host = await member().hosts.add.mutate({ workspace: 'acme', hostname: 'pay.internal', port: 443 });
    const { id } = await open('Payments slow');
    await member().incidents.transition.mutate({ workspace: 'acme', id, to: 'identified', note: 'db pool' });
    await member().incidents.update.mutate({
      workspace: 'acme',
      id,
      severity: 'SEV1',
      summary: 'all regions',
    });
    await member().incidents.note.mutate({ workspace: 'acme', id, body: 'raised the pool size' });
    await member().incidents.link.mutate({ workspace: 'acme', id, hostIds: [host.id] });
    const { timeline } = await world.client('viewer').incidents.get.query({ workspace: 'acme', id });
    expect(timeline.map((e) => e.kind)).toEqual(['opened', 'transitioned', 'updated', 'note', 'linked']);
    expect(timeline[1]).toMatchObject({
      detail: { from: 'investigating', to: 'identified' },
      body: 'db pool',
    });
    expect(timeline[2]!.detail).toEqual({
      changes: { severity: { from: 'SEV2', to: 'SEV1' }, summary: { changed: true } },
    });
    expect(timeline[3]).toMatchObject({ body: 'raised the pool size', actor: `user:${userIds.member}` });
    expect(timeline[4]!.detail).toMatchObject({
      targetType: 'host',
      targetId: host.id,
      label: 'pay.internal:443',
    });
  });

  it('writes nothing for an edit that changes nothing, or a link already there', async () => {
    const host = await member().hosts.add.mutate({ workspace: 'acme', hostname: 'same.internal', port: 443 });
    const { id } = await open('Nothing changes');
    await member().incidents.link.mutate({ workspace: 'acme', id, hostIds: [host.id] });
    const before = await count('SELECT 1 FROM audit_events WHERE target_id = $1', [id]);
    await member().incidents.update.mutate({
      workspace: 'acme',
      id,
      title: 'Nothing changes',
      severity: 'SEV2',
    });
    const again = await member().incidents.link.mutate({ workspace: 'acme', id, hostIds: [host.id] });
    expect(again.linked).toEqual([]);
    expect(await count('SELECT 1 FROM audit_events WHERE target_id = $1', [id])).toBe(before);
    expect(await count('SELECT 1 FROM incident_timeline WHERE incident_id = $1', [id])).toBe(2);
  });

  it('keeps a closed incident closed to edits and links, but takes notes', async () => {
    const { id } = await open('Closed one');
    await reach(id, 'closed');
    expect(
      await refusal(() => member().incidents.update.mutate({ workspace: 'acme', id, title: 'renamed' })),
    ).toMatchObject({ code: 'CONFLICT', message: 'the incident is closed; editing is no longer possible' });
    expect(
      (await member().incidents.note.mutate({ workspace: 'acme', id, body: 'late finding' })).id,
    ).toBeTruthy();
  });
});

describe('bad input and other workspaces', () => {
  it('refuses a commander who is not a member, or may not operate, naming the field, storing nothing', async () => {
    const incidents = () => count('SELECT 1 FROM incidents', []);
    const before = await incidents();
    const outsider = await refusal(() =>
      member().incidents.create.mutate({
        workspace: 'acme',
        title: 'x',
        severity: 'SEV3',
        commanderId: userIds.outsider,
      }),
    );
    expect(outsider).toMatchObject({
      code: 'BAD_REQUEST',
      fieldErrors: { commanderId: 'is not a member of this workspace' },
    });
    const viewer = await refusal(() =>
      member().incidents.create.mutate({
        workspace: 'acme',
        title: 'x',
        severity: 'SEV3',
        commanderId: userIds.viewer,
      }),
    );
    expect(viewer.fieldErrors.commanderId).toMatch(/viewer/);
    expect(await incidents()).toBe(before);
  });

  it('refuses unknown hosts and alerts, and another workspace’s, by position, storing nothing', async () => {
    const rows = await scopedQuery<{ id: string }>(
      world,
      `INSERT INTO hosts (workspace_id, hostname, port, interval_s) VALUES ($1, 'theirs.example.test', 443, 3600) RETURNING id`,
      [world.other.id],
      world.other.id,
    );
    const mine = await member().hosts.add.mutate({ workspace: 'acme', hostname: 'mine.internal', port: 443 });
    const before = await count('SELECT 1 FROM incidents', []);
    const theirs = await refusal(() =>
      member().incidents.create.mutate({
        workspace: 'acme',
        title: 'x',
        severity: 'SEV3',
        hostIds: [mine.id, rows[0]!.id],
      }),
    );
    expect(theirs).toMatchObject({
      code: 'BAD_REQUEST',
      fieldErrors: { 'hostIds.1': 'no such host in this workspace' },
    });
    const alert = await refusal(() =>
      member().incidents.create.mutate({
        workspace: 'acme',
        title: 'x',
        severity: 'SEV3',
        alertIds: ['00000000-0000-4000-8000-000000000000'],
      }),
    );
    expect(alert.fieldErrors['alertIds.0']).toBe('no such alert in this workspace');
    expect(await count('SELECT 1 FROM incidents', [])).toBe(before);
    expect(await count('SELECT 1 FROM incident_links WHERE target_id = $1', [mine.id])).toBe(0);
  });

  it('refuses missing title or severity, and a bad state, by name', async () => {
    const r = await refusal(() => member().incidents.create.mutate({ workspace: 'acme', title: 'x' }));
    expect(r.fieldErrors.severity).toBe('give a severity, or open the incident from an alert');
    const { id } = await open();
    const bad = await refusal(() =>
      member().incidents.transition.mutate({ workspace: 'acme', id, to: 'fixed' as IncidentState }),
    );
    expect(bad.fieldErrors.to).toMatch(/^state must be one of investigating/);
  });

  it('answers another workspace’s incident id as not found, for every procedure', async () => {
    const theirs = await world
      .client('outsider')
      .incidents.create.mutate({ workspace: 'other', title: 'Their outage', severity: 'SEV1' });
    const id = theirs.id;
    const calls = [
      () => member().incidents.get.query({ workspace: 'acme', id }),
      () => member().incidents.update.mutate({ workspace: 'acme', id, title: 'mine now' }),
      () => member().incidents.transition.mutate({ workspace: 'acme', id, to: 'resolved' }),
      () => member().incidents.note.mutate({ workspace: 'acme', id, body: 'hello' }),
      () => member().incidents.postmortem.mutate({ workspace: 'acme', id, summary: 'x' }),
    ];
    for (const call of calls) expect(await outcome(call)).toBe('NOT_FOUND');
    const list = await member().incidents.list.query({ workspace: 'acme' });
    expect(list.items.map((i) => i.id)).not.toContain(id);
    const after = await world.client('outsider').incidents.get.query({ workspace: 'other', id });
    expect(after).toMatchObject({ title: 'Their outage', state: 'investigating' });
    expect(after.timeline).toHaveLength(1);
  });

  it('lets viewers read and not write', async () => {
    const { id } = await open();
    expect(await outcome(() => world.client('viewer').incidents.get.query({ workspace: 'acme', id }))).toBe(
      'OK',
    );
    expect(
      await outcome(() =>
        world.client('viewer').incidents.note.mutate({ workspace: 'acme', id, body: 'hi' }),
      ),
    ).toBe('FORBIDDEN');
  });
});
