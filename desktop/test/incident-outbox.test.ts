import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { openCore, switchableNetwork, tempDir } from './support/core.ts';

/**
 * The on-call engineer's offline incident actions through the desktop core: a note and a move
 * show at once in the replica, are applied once the server is reachable, and a move from a state
 * someone else has left meanwhile is rolled back as a conflict.
 */
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

const open = (title: string) =>
  world.client('member').incidents.create.mutate({ workspace: 'acme', title, severity: 'SEV2' });

describe('incident actions through the outbox', () => {
  it('shows an offline note and move at once, and the server applies both once online', async () => {
    const { id } = await open('Offline on-call');
    const { c, network } = offlineCapableCore('member');
    await c.engine.syncNow();
    network.online = false;
    const noteId = randomUUID();
    c.act({ kind: 'incident.note', args: { incidentId: id, noteId, body: 'failed over to eu-west' } });
    c.act({ kind: 'incident.transition', args: { incidentId: id, to: 'monitoring' } });
    expect(c.store.row('incident_timeline', noteId)).toMatchObject({ kind: 'note', incident_id: id });
    expect(c.store.row('incidents', id)).toMatchObject({ state: 'monitoring' });

    network.online = true;
    await c.engine.syncNow();
    expect(c.engine.state()).toMatchObject({ outboxDepth: 0, conflicts: [] });
    const server = await world.client('member').incidents.get.query({ workspace: 'acme', id });
    expect(server.state).toBe('monitoring');
    expect(server.timeline.find((e) => e.id === noteId)).toMatchObject({ body: 'failed over to eu-west' });
    expect(c.store.row('incidents', id)).toMatchObject({ state: 'monitoring' });
  });

  it('rolls back a move from a state someone else left meanwhile, and says so', async () => {
    const { id } = await open('Moved by someone else');
    const { c, network } = offlineCapableCore('member');
    await c.engine.syncNow();
    network.online = false;
    c.act({ kind: 'incident.transition', args: { incidentId: id, to: 'identified' } });
    await world.client('approver').incidents.transition.mutate({ workspace: 'acme', id, to: 'resolved' });

    network.online = true;
    await c.engine.syncNow();
    expect(c.engine.state().conflicts).toEqual([
      expect.objectContaining({
        reason: 'stale',
        message: 'the incident is resolved now, no longer investigating',
      }),
    ]);
    expect(c.store.row('incidents', id)).toMatchObject({ state: 'resolved' });
  });
});
