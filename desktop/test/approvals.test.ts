import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { myApprovals } from '../src/core/replica/approvals.ts';
import { changeDetail } from '../src/core/replica/changes.ts';
import { inbox } from '../src/core/replica/queries.ts';
import { openCore, switchableNetwork, tempDir } from './support/core.ts';

/**
 * An approver's decisions through the desktop core against the real server: the queue is read
 * from the replica (offline too), a decision shows at once and goes through the outbox, and one
 * that arrives after another approver rejected the change is rolled back and says so in words.
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

function approverCore(who: string) {
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
  return { c: opened.core, events: opened.events, network };
}

/** A normal change the member raises and submits: the default step asks every approver, quorum one. */
async function submitted(title: string): Promise<string> {
  const member = world.client('member');
  const start = new Date(Date.now() + 3 * 86_400_000);
  const change = await member.changes.create.mutate({
    workspace: 'acme',
    title,
    type: 'normal',
    plannedStart: start,
    plannedEnd: new Date(start.getTime() + 3_600_000),
  });
  await member.changes.transition.mutate({ workspace: 'acme', id: change.id, to: 'submitted' });
  return change.id;
}

const serverState = async (id: string) =>
  (await world.client('viewer').changes.get.query({ workspace: 'acme', id })).state;

describe('approvals through the desktop core', () => {
  it('lists what waits on me with its requester named, and approves online', async () => {
    const id = await submitted('Rotate the API gateway certificate');
    const { c } = approverCore('owner');
    await c.engine.syncNow();
    const queue = myApprovals(c.db, c.me(), new Date()).filter((a) => a.changeId === id);
    expect(queue).toEqual([
      expect.objectContaining({
        title: 'Rotate the API gateway certificate',
        stepName: 'Approval',
        requester: expect.objectContaining({ name: 'member@example.test' }),
        asApprover: true,
        myDecision: undefined,
      }),
    ]);
    // The inbox lists it beside the alerts.
    expect(inbox(c.db, new Date(), c.me()).some((i) => i.kind === 'approval' && i.changeId === id)).toBe(
      true,
    );

    c.act({
      kind: 'approval.decide',
      args: { requestId: queue[0]!.requestId, decision: 'approve', comment: 'fine by me' },
    });
    await c.engine.syncNow();
    expect(c.engine.state()).toMatchObject({ outboxDepth: 0, conflicts: [] });
    expect(await serverState(id)).toBe('approved');
    expect(myApprovals(c.db, c.me(), new Date()).some((a) => a.changeId === id)).toBe(false);
    const detail = changeDetail(c.db, id, c.me(), new Date());
    expect(detail?.state).toBe('approved');
    expect(detail?.approvals[0]?.decisions).toEqual([
      expect.objectContaining({
        decision: 'approve',
        comment: 'fine by me',
        by: expect.objectContaining({ name: 'owner@example.test' }),
        pending: false,
      }),
    ]);
  });

  it('approves offline at once, and the server applies it once reachable', async () => {
    const id = await submitted('Patch the load balancers');
    const { c, network } = approverCore('admin');
    await c.engine.syncNow();
    network.online = false;
    const request = myApprovals(c.db, c.me(), new Date()).find((a) => a.changeId === id)!;
    c.act({ kind: 'approval.decide', args: { requestId: request.requestId, decision: 'approve' } });
    await c.engine.syncNow();
    expect(c.engine.state()).toMatchObject({ connection: 'offline', outboxDepth: 1 });
    expect(myApprovals(c.db, c.me(), new Date()).find((a) => a.changeId === id)).toMatchObject({
      myDecision: 'approve',
      pending: true,
    });
    expect(changeDetail(c.db, id, c.me(), new Date())?.approvals[0]?.decisions).toEqual([
      expect.objectContaining({ decision: 'approve', pending: true }),
    ]);
    expect(await serverState(id)).toBe('submitted');

    network.online = true;
    await c.engine.syncNow();
    expect(c.engine.state()).toMatchObject({ connection: 'online', outboxDepth: 0, conflicts: [] });
    expect(await serverState(id)).toBe('approved');
    expect(changeDetail(c.db, id, c.me(), new Date())).toMatchObject({
      state: 'approved',
      waitingOnMe: undefined,
    });
  });

  it('rolls back an offline approval of a change another approver rejected meanwhile, in words', async () => {
    const id = await submitted('Move the database to new disks');
    const { c, network } = approverCore('owner');
    await c.engine.syncNow();
    network.online = false;
    const request = myApprovals(c.db, c.me(), new Date()).find((a) => a.changeId === id)!;
    c.act({ kind: 'approval.decide', args: { requestId: request.requestId, decision: 'approve' } });
    await world.client('approver').approvals.decide.mutate({
      workspace: 'acme',
      requestId: request.requestId,
      decision: 'reject',
      comment: 'not during the sale',
    });

    network.online = true;
    await c.engine.syncNow();
    expect(c.engine.state().conflicts).toEqual([
      expect.objectContaining({
        kind: 'approval.decide',
        reason: 'already_decided',
        message: 'approver@example.test rejected it first',
        subject: 'change “Move the database to new disks”',
      }),
    ]);
    expect(c.engine.state().outboxDepth).toBe(0);
    // Rolled back: my decision is gone; the server's rejection is what the replica shows.
    expect(c.store.row('approval_requests', request.requestId)).not.toHaveProperty('my_decision');
    const detail = changeDetail(c.db, id, c.me(), new Date());
    expect(detail?.state).toBe('rejected');
    expect(detail?.approvals[0]?.decisions).toEqual([
      expect.objectContaining({ decision: 'reject', comment: 'not during the sale', pending: false }),
    ]);
    expect(myApprovals(c.db, c.me(), new Date()).some((a) => a.changeId === id)).toBe(false);
    const onServer = await world.client('viewer').changes.get.query({ workspace: 'acme', id });
    expect(onServer.approvals[0]?.decisions.map((d) => d.decision)).toEqual(['reject']);
  });

  it('notifies an approval assigned to me, links it to the change, and never the requester', async () => {
    const approver = approverCore('approver');
    const requester = approverCore('member');
    await approver.c.engine.syncNow();
    await requester.c.engine.syncNow();
    const id = await submitted('Renew the mail certificate');
    await approver.c.engine.syncNow();
    await requester.c.engine.syncNow();
    expect(approver.events.filter((e) => e.type === 'notify')).toEqual([
      {
        type: 'notify',
        title: 'Approval requested',
        body: 'Renew the mail certificate (Approval)',
        target: `vigilo://acme/changes/${id}`,
      },
    ]);
    expect(requester.events.filter((e) => e.type === 'notify')).toEqual([]);
    // Synced again: the same request is not news twice.
    await approver.c.engine.syncNow();
    expect(approver.events.filter((e) => e.type === 'notify')).toHaveLength(1);
  });
});
