import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { resolveAlert, seedAlert } from '@vigilo/tests/support/alerts';
import { alertDetail, inbox } from '../src/core/replica/queries.ts';
import { openCore, switchableNetwork, tempDir } from './support/core.ts';

let world: World;
const cleanups: Array<() => unknown> = [];
beforeAll(async () => {
  world = await createWorld();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await world?.close();
});

function offlineCapableCore(who: string) {
  const tmp = tempDir();
  const network = switchableNetwork();
  const opened = openCore({
    dataDir: tmp.dir,
    serverUrl: world.server.url,
    workspace: 'acme',
    token: world.tokens[who]!,
    fetch: network.fetch,
  });
  cleanups.push(() => tmp.cleanup());
  cleanups.push(() => opened.core.close());
  return { c: opened.core, network };
}

const inInbox = (db: Parameters<typeof inbox>[0], id: string) =>
  inbox(db, new Date()).some((i) => i.id === id);
const serverState = async (id: string) =>
  (
    await world.server.services.db.owner.query<{ state: string }>('SELECT state FROM alerts WHERE id = $1', [
      id,
    ])
  ).rows[0]?.state;

describe('snooze, resolve and comment through the outbox', () => {
  it('hides an offline snooze at once, and keeps it hidden by the server’s snooze once delivered', async () => {
    const alertId = await seedAlert(world, 'open');
    const { c, network } = offlineCapableCore('member');
    await c.engine.syncNow();
    expect(inInbox(c.db, alertId)).toBe(true);
    network.online = false;
    c.act({ kind: 'alert.snooze', args: { alertId, duration: '1h' } });
    expect(inInbox(c.db, alertId)).toBe(false);
    await c.engine.syncNow();
    expect(c.engine.state()).toMatchObject({ connection: 'offline', outboxDepth: 1 });

    network.online = true;
    await c.engine.syncNow();
    expect(c.engine.state()).toMatchObject({ connection: 'online', outboxDepth: 0, conflicts: [] });
    // The local mark is gone (the outbox entry is settled); the replicated snoozes row hides it.
    expect(c.store.row('alerts', alertId)).not.toHaveProperty('snoozed_until');
    expect(c.db.prepare("SELECT count(*) AS n FROM records WHERE tbl = 'snoozes'").get()).toMatchObject({
      n: expect.any(Number),
    });
    expect(inInbox(c.db, alertId)).toBe(false);
    // An hour and a bit later the snooze has ended and the alert is back in the inbox.
    expect(inbox(c.db, new Date(Date.now() + 3_700_000)).some((i) => i.id === alertId)).toBe(true);
  });

  it('hides the alerts of a host snoozed offline from the certificates screen at once', async () => {
    const alertId = await seedAlert(world, 'open');
    const { c, network } = offlineCapableCore('member');
    await c.engine.syncNow();
    const hostId = inbox(c.db, new Date()).find((i) => i.id === alertId)!.hostId;
    network.online = false;
    c.act({ kind: 'host.snooze', args: { hostId, duration: '1h' } });
    expect(inInbox(c.db, alertId)).toBe(false);
    expect(inbox(c.db, new Date(Date.now() + 3_700_000)).some((i) => i.id === alertId)).toBe(true);
  });

  it('shows an offline comment in the timeline at once and gives it the same id on the server', async () => {
    const alertId = await seedAlert(world, 'open');
    const { c, network } = offlineCapableCore('member');
    await c.engine.syncNow();
    network.online = false;
    c.act({ kind: 'alert.comment', args: { alertId, body: 'renewing with the CA now' } });
    const offline = alertDetail(c.db, alertId)!;
    expect(offline.timeline.map((t) => [t.kind, t.text, t.pending])).toEqual([
      ['opened', undefined, false],
      ['comment', 'renewing with the CA now', true],
    ]);
    expect(inbox(c.db, new Date()).find((i) => i.id === alertId)?.comments).toBe(1);

    network.online = true;
    await c.engine.syncNow();
    const online = alertDetail(c.db, alertId)!;
    expect(online.timeline.at(-1)).toMatchObject({ kind: 'comment', pending: false });
    expect(online.timeline.at(-1)?.by).toMatch(/^user:/);
    const onServer = await world.client('viewer').alerts.comments.query({ workspace: 'acme', id: alertId });
    expect(onServer.map((x) => x.body)).toEqual(['renewing with the CA now']);
    const localIds = c.db
      .prepare<[], { id: string }>("SELECT id FROM records WHERE tbl = 'comments'")
      .all()
      .map((r) => r.id);
    expect(localIds).toContain(onServer[0]!.id);
  });

  it('resolves offline; when the server resolved it first, the conflict is shown and the replica holds the server’s truth', async () => {
    const mine = await seedAlert(world, 'open');
    const theirs = await seedAlert(world, 'open');
    const { c, network } = offlineCapableCore('member');
    await c.engine.syncNow();
    network.online = false;
    c.act({ kind: 'alert.resolve', args: { alertId: mine, note: 'fixed' } });
    c.act({ kind: 'alert.resolve', args: { alertId: theirs } });
    expect(inInbox(c.db, mine)).toBe(false);
    expect(inInbox(c.db, theirs)).toBe(false);
    await resolveAlert(world, theirs);

    network.online = true;
    await c.engine.syncNow();
    expect(await serverState(mine)).toBe('resolved');
    expect(c.engine.state().conflicts).toEqual([
      expect.objectContaining({ kind: 'alert.resolve', reason: 'already_decided' }),
    ]);
    // It says which alert: the resolved one is still in the replica, with its host.
    expect(c.engine.state().conflicts[0]?.subject).toMatch(
      /^certificate expires soon \(\d+\) on host-\d+-\d+\.example\.test$/,
    );
    expect(c.store.row('alerts', theirs)).toMatchObject({ state: 'resolved' });
    expect(c.engine.state().outboxDepth).toBe(0);
  });

  it('rolls back an offline comment the server refuses (the commenter lost the role meanwhile)', async () => {
    const alertId = await seedAlert(world, 'open');
    const { c, network } = offlineCapableCore('viewer');
    await c.engine.syncNow();
    network.online = false;
    // A viewer's UI hides the action; the core still takes it, and the server refuses it.
    c.act({ kind: 'alert.comment', args: { alertId, body: 'me too' } });
    expect(alertDetail(c.db, alertId)!.timeline).toHaveLength(2);
    network.online = true;
    await c.engine.syncNow();
    expect(c.engine.state().conflicts).toEqual([
      expect.objectContaining({ kind: 'alert.comment', reason: 'forbidden' }),
    ]);
    expect(alertDetail(c.db, alertId)!.timeline.map((t) => t.kind)).toEqual(['opened']);
  });
});
