import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outcome } from '@vigilo/tests/support/client';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { addPerson, auditRows, CALM, inAcme, seedHost, windowFrom, WS } from './support.ts';

const DAY = 86_400_000;
let now = new Date('2032-01-10T09:00:00.000Z');
let world: World;
let alice: Awaited<ReturnType<typeof addPerson>>;
let dan: Awaited<ReturnType<typeof addPerson>>;
let host: string;

beforeAll(async () => {
  world = await createWorld({ clock: () => now });
  alice = await addPerson(world, 'Alice', 'approver');
  dan = await addPerson(world, 'Dan', 'approver');
  host = await seedHost(world, ['billing']);
  await world.client('admin').approvalPolicies.create.mutate({
    workspace: WS,
    name: 'Billing needs Alice',
    tags: ['billing'],
    steps: [{ name: 'Billing owner', approverIds: [alice.id] }],
  });
});
afterAll(async () => {
  await world?.close();
});

async function submitted(title: string) {
  const member = world.client('member');
  const change = await member.changes.create.mutate({
    workspace: WS,
    title,
    affectedHostIds: [host],
    riskAnswers: CALM,
    ...windowFrom(now, 24 * 30),
  });
  await member.changes.transition.mutate({ workspace: WS, id: change.id, to: 'submitted' });
  const got = await member.changes.get.query({ workspace: WS, id: change.id });
  return { id: change.id, requestId: got.approvals[0]!.requestId };
}
const queue = async (who: typeof dan) =>
  (await who.client.approvals.mine.query({ workspace: WS })).map((a) => a.requestId);

describe('delegation', () => {
  it('sends an approver’s requests to their delegate only within the range, and records on whose behalf', async () => {
    const delegation = await alice.client.delegations.create.mutate({
      workspace: WS,
      delegateId: dan.id,
      startsAt: new Date(now.getTime() + DAY),
      endsAt: new Date(now.getTime() + 3 * DAY),
      reason: 'on holiday',
    });
    expect(delegation).toMatchObject({ approverId: alice.id, delegateId: dan.id });
    expect((await auditRows(world, delegation.id)).map((r) => r.action)).toEqual(['delegation.created']);

    // Before the range: the request waits on Alice alone.
    const early = await submitted('before the holiday');
    expect(await queue(alice)).toContain(early.requestId);
    expect(await queue(dan)).not.toContain(early.requestId);
    expect(
      await outcome(() =>
        dan.client.approvals.decide.mutate({
          workspace: WS,
          requestId: early.requestId,
          decision: 'approve',
        }),
      ),
    ).toBe('FORBIDDEN');

    // Within it: Dan sees Alice's requests (also the one sent before) and decides for her.
    now = new Date(now.getTime() + 2 * DAY);
    const during = await submitted('during the holiday');
    const mine = await dan.client.approvals.mine.query({ workspace: WS });
    expect(mine.map((a) => a.requestId)).toEqual(expect.arrayContaining([early.requestId, during.requestId]));
    expect(mine.find((a) => a.requestId === during.requestId)).toMatchObject({
      asApprover: false,
      onBehalfOf: [{ id: alice.id, name: 'Alice' }],
    });
    const decided = await dan.client.approvals.decide.mutate({
      workspace: WS,
      requestId: during.requestId,
      decision: 'approve',
      comment: 'for Alice',
    });
    expect(decided).toMatchObject({ onBehalfOf: alice.id, changeState: 'approved' });
    const trail = await world.client('member').changes.get.query({ workspace: WS, id: during.id });
    expect(trail.approvals[0]!.decisions[0]).toMatchObject({
      decidedBy: { id: dan.id, name: 'Dan' },
      onBehalfOf: { id: alice.id, name: 'Alice' },
    });
    const audit = (await auditRows(world, during.id)).find((r) => r.action === 'approval.decided')!;
    expect(audit.summary.after).toMatchObject({ decidedBy: dan.id, onBehalfOf: alice.id });
    // Alice's own slot is taken: she is told who took it.
    await expect(
      alice.client.approvals.decide.mutate({
        workspace: WS,
        requestId: during.requestId,
        decision: 'approve',
      }),
    ).rejects.toMatchObject({ message: 'Dan approved it first' });

    // After the range: back to Alice alone.
    now = new Date(now.getTime() + 2 * DAY);
    expect(await queue(dan)).not.toContain(early.requestId);
    expect(
      await outcome(() =>
        dan.client.approvals.decide.mutate({
          workspace: WS,
          requestId: early.requestId,
          decision: 'approve',
        }),
      ),
    ).toBe('FORBIDDEN');
    await alice.client.approvals.decide.mutate({
      workspace: WS,
      requestId: early.requestId,
      decision: 'approve',
    });
  });

  it('refuses a range that ends before it starts, a delegate who cannot approve, or someone else’s approvals', async () => {
    const count = async () =>
      (await inAcme(world, (q) => q<{ n: number }>('SELECT count(*)::int AS n FROM delegations'))).rows[0]!.n;
    const before = await count();
    const start = new Date(now.getTime() + DAY);
    await expect(
      alice.client.delegations.create.mutate({
        workspace: WS,
        delegateId: dan.id,
        startsAt: start,
        endsAt: new Date(start.getTime() - 1),
      }),
    ).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST', fieldErrors: { endsAt: 'endsAt must be after startsAt' } },
    });
    const memberId = (await world.client('member').members.list.query({ workspace: WS })).find(
      (m) => m.email === 'member@example.test',
    )!.userId!;
    await expect(
      alice.client.delegations.create.mutate({
        workspace: WS,
        delegateId: memberId,
        startsAt: start,
        endsAt: new Date(start.getTime() + DAY),
      }),
    ).rejects.toMatchObject({
      data: {
        code: 'BAD_REQUEST',
        fieldErrors: { delegateId: "this member's role (member) cannot approve" },
      },
    });
    await expect(
      alice.client.delegations.create.mutate({
        workspace: WS,
        delegateId: '00000000-0000-4000-8000-000000000000',
        startsAt: start,
        endsAt: new Date(start.getTime() + DAY),
      }),
    ).rejects.toMatchObject({
      data: { fieldErrors: { delegateId: 'no member of this workspace has this id' } },
    });
    expect(
      await outcome(() =>
        alice.client.delegations.create.mutate({
          workspace: WS,
          approverId: dan.id,
          delegateId: alice.id,
          startsAt: start,
          endsAt: new Date(start.getTime() + DAY),
        }),
      ),
    ).toBe('FORBIDDEN');
    expect(await count()).toBe(before);
  });

  it('lets the approver end a delegation early', async () => {
    const d = await alice.client.delegations.create.mutate({
      workspace: WS,
      delegateId: dan.id,
      startsAt: now,
      endsAt: new Date(now.getTime() + DAY),
    });
    expect((await dan.client.delegations.list.query({ workspace: WS })).map((x) => x.id)).toContain(d.id);
    expect(await outcome(() => dan.client.delegations.remove.mutate({ workspace: WS, id: d.id }))).toBe(
      'FORBIDDEN',
    );
    await alice.client.delegations.remove.mutate({ workspace: WS, id: d.id });
    expect((await dan.client.delegations.list.query({ workspace: WS })).map((x) => x.id)).not.toContain(d.id);
    expect((await auditRows(world, d.id)).map((r) => r.action)).toEqual([
      'delegation.created',
      'delegation.removed',
    ]);
  });
});
