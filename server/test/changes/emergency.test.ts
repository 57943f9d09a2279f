import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { addPerson, auditRows, changeEvents, WS } from './support.ts';

const DAY = 86_400_000;
let now = new Date('2033-07-01T12:00:00.000Z');
let world: World;
let alice: Awaited<ReturnType<typeof addPerson>>;
let bob: Awaited<ReturnType<typeof addPerson>>;

beforeAll(async () => {
  world = await createWorld({ clock: () => now });
  alice = await addPerson(world, 'Alice', 'approver');
  bob = await addPerson(world, 'Bob', 'approver');
  // However many steps a policy asks for, an emergency change needs one approval.
  await world.client('admin').approvalPolicies.create.mutate({
    workspace: WS,
    name: 'Emergencies',
    changeTypes: ['emergency'],
    steps: [
      { name: 'Duty managers', approverIds: [alice.id, bob.id], quorum: 2 },
      { name: 'CAB', group: 'admin', quorum: 'all' },
    ],
  });
});
afterAll(async () => {
  await world?.close();
});

describe('emergency changes', () => {
  it('are approved by one approver, then flagged when their retrospective review is over 5 days late', async () => {
    const member = world.client('member');
    const change = await member.changes.create.mutate({
      workspace: WS,
      type: 'emergency',
      title: 'revoke the leaked key',
    });
    await member.changes.transition.mutate({ workspace: WS, id: change.id, to: 'submitted' });
    const asked = await member.changes.get.query({ workspace: WS, id: change.id });
    expect(asked.approvals.map((a) => [a.stepName, a.quorum, a.approvers.map((p) => p.name).sort()])).toEqual(
      [['Emergency approval', 1, ['Alice', 'Bob']]],
    );
    await alice.client.approvals.decide.mutate({
      workspace: WS,
      requestId: asked.approvals[0]!.requestId,
      decision: 'approve',
    });
    const approved = await member.changes.get.query({ workspace: WS, id: change.id });
    expect(approved).toMatchObject({
      state: 'approved',
      retrospectiveDueAt: new Date(now.getTime() + 5 * DAY),
      retrospectiveDone: false,
      retrospectiveOverdue: false,
    });
    const review = approved.approvals.find((a) => a.kind === 'retrospective')!;
    expect(review).toMatchObject({ state: 'pending', stepName: 'Retrospective review' });
    expect(
      (await bob.client.approvals.mine.query({ workspace: WS })).map((a) => [a.requestId, a.kind]),
    ).toEqual([[review.requestId, 'retrospective']]);

    now = new Date(now.getTime() + 5 * DAY - 1);
    expect((await member.changes.get.query({ workspace: WS, id: change.id })).retrospectiveOverdue).toBe(
      false,
    );
    now = new Date(now.getTime() + 1);
    expect((await member.changes.get.query({ workspace: WS, id: change.id })).retrospectiveOverdue).toBe(
      true,
    );
    const listed = await member.changes.list.query({ workspace: WS, type: 'emergency' });
    expect(listed.changes.find((c) => c.id === change.id)?.retrospectiveOverdue).toBe(true);

    await bob.client.approvals.decide.mutate({
      workspace: WS,
      requestId: review.requestId,
      decision: 'approve',
      comment: 'the right call; add a runbook',
    });
    const reviewed = await member.changes.get.query({ workspace: WS, id: change.id });
    expect(reviewed).toMatchObject({ retrospectiveDone: true, retrospectiveOverdue: false });
    expect(await changeEvents(world, change.id)).toEqual([
      'change.created',
      'change.submitted',
      'approval.requested',
      'approval.decided',
      'change.approved',
      'approval.requested',
      'approval.decided',
      'change.retrospective_reviewed',
    ]);
    const audit = await auditRows(world, change.id);
    expect(audit.at(-1)).toMatchObject({
      action: 'change.retrospective_reviewed',
      summary: { after: { retrospectiveDone: true, verdict: 'accepted' } },
    });
  });
});
