import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outcome } from '@vigilo/tests/support/client';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { addPerson, CALM, changeEvents, type Client, seedHost, windowFrom, WS } from './support.ts';

let world: World;
let alice: Awaited<ReturnType<typeof addPerson>>;
let bob: Awaited<ReturnType<typeof addPerson>>;
let carol: Awaited<ReturnType<typeof addPerson>>;
let prodHost: string;

beforeAll(async () => {
  world = await createWorld();
  alice = await addPerson(world, 'Alice', 'approver');
  bob = await addPerson(world, 'Bob', 'approver');
  carol = await addPerson(world, 'Carol', 'approver');
  prodHost = await seedHost(world, ['production', 'payments']);
  await world.client('admin').approvalPolicies.create.mutate({
    workspace: WS,
    name: 'Payments',
    tags: ['payments'],
    steps: [
      { name: 'Peers', approverIds: [alice.id, bob.id], quorum: 2 },
      { name: 'CAB', approverIds: [carol.id], quorum: 'all' },
    ],
  });
});
afterAll(async () => {
  await world?.close();
});

const member = () => world.client('member');

/** A change raised by `by` (the member by default) and submitted; returns it with its trail. */
async function submitted(fields: { hostIds?: string[]; title?: string } = {}, by: Client = member()) {
  const change = await by.changes.create.mutate({
    workspace: WS,
    title: fields.title ?? 'Rotate the payments certificate',
    affectedHostIds: fields.hostIds ?? [],
    riskAnswers: CALM,
    ...windowFrom(new Date()),
  });
  await by.changes.transition.mutate({ workspace: WS, id: change.id, to: 'submitted' });
  return by.changes.get.query({ workspace: WS, id: change.id });
}

const pendingRequest = async (changeId: string) => {
  const change = await member().changes.get.query({ workspace: WS, id: changeId });
  return change.approvals.find((a) => a.state === 'pending')!;
};

const refusal = async (call: () => Promise<unknown>) => {
  try {
    await call();
  } catch (err) {
    if (err instanceof TRPCClientError)
      return { code: (err.data as { code: string }).code, message: err.message };
    throw err;
  }
  return { code: 'OK', message: '' };
};

describe('approval steps', () => {
  it('runs the policy’s steps in order, each advancing the moment it reaches its quorum', async () => {
    const change = await submitted({ hostIds: [prodHost] });
    expect(change.approvals.map((a) => [a.stepName, a.state, a.quorum])).toEqual([
      ['Peers', 'pending', 2],
      ['CAB', 'waiting', 1],
    ]);
    const [peers, cab] = change.approvals;
    // Carol's step is not open yet: nothing waits on her, and deciding early is refused.
    expect(
      (await carol.client.approvals.mine.query({ workspace: WS })).map((a) => a.change.id),
    ).not.toContain(change.id);
    expect(
      await refusal(() =>
        carol.client.approvals.decide.mutate({
          workspace: WS,
          requestId: cab!.requestId,
          decision: 'approve',
        }),
      ),
    ).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/not open yet/) });

    await alice.client.approvals.decide.mutate({
      workspace: WS,
      requestId: peers!.requestId,
      decision: 'approve',
    });
    expect((await pendingRequest(change.id)).stepName).toBe('Peers');
    await bob.client.approvals.decide.mutate({
      workspace: WS,
      requestId: peers!.requestId,
      decision: 'approve',
    });
    expect((await pendingRequest(change.id)).stepName).toBe('CAB');
    expect((await carol.client.approvals.mine.query({ workspace: WS })).map((a) => a.requestId)).toContain(
      cab!.requestId,
    );

    const last = await carol.client.approvals.decide.mutate({
      workspace: WS,
      requestId: cab!.requestId,
      decision: 'approve',
      comment: 'CAB agrees',
    });
    expect(last).toMatchObject({ requestState: 'approved', changeState: 'approved' });
    const approved = await member().changes.get.query({ workspace: WS, id: change.id });
    expect(approved.state).toBe('approved');
    expect(approved.approvals[1]!.decisions[0]).toMatchObject({
      decision: 'approve',
      comment: 'CAB agrees',
      decidedBy: { name: 'Carol' },
      onBehalfOf: null,
    });
    expect(await changeEvents(world, change.id)).toEqual([
      'change.created',
      'change.submitted',
      'approval.requested',
      'approval.decided',
      'approval.decided',
      'approval.requested',
      'approval.decided',
      'change.approved',
    ]);
  });

  it('rejects the change at a rejection in any step, closing the steps after it', async () => {
    const change = await submitted({ hostIds: [prodHost] });
    const peers = change.approvals[0]!;
    expect(
      await refusal(() =>
        alice.client.approvals.decide.mutate({
          workspace: WS,
          requestId: peers.requestId,
          decision: 'reject',
        }),
      ),
    ).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^comment: /) });
    await alice.client.approvals.decide.mutate({
      workspace: WS,
      requestId: peers.requestId,
      decision: 'reject',
      comment: 'no rollback plan',
    });
    const rejected = await member().changes.get.query({ workspace: WS, id: change.id });
    expect(rejected.state).toBe('rejected');
    expect(rejected.approvals.map((a) => [a.state, a.closedReason])).toEqual([
      ['rejected', null],
      ['superseded', 'rejected'],
    ]);
    expect(
      await refusal(() =>
        bob.client.approvals.decide.mutate({
          workspace: WS,
          requestId: peers.requestId,
          decision: 'approve',
        }),
      ),
    ).toEqual({ code: 'CONFLICT', message: 'Alice rejected it first' });
    expect(await changeEvents(world, change.id)).toContain('change.rejected');
  });

  it('never lets the requester approve their own change, nor asks them', async () => {
    const change = await submitted({}, alice.client);
    const request = change.approvals[0]!;
    expect(request.approvers.map((p) => p.id)).not.toContain(alice.id);
    expect(
      (await alice.client.approvals.mine.query({ workspace: WS })).map((a) => a.change.id),
    ).not.toContain(change.id);
    expect(
      await refusal(() =>
        alice.client.approvals.decide.mutate({
          workspace: WS,
          requestId: request.requestId,
          decision: 'approve',
        }),
      ),
    ).toEqual({ code: 'FORBIDDEN', message: 'you raised this change: someone else must decide on it' });
    expect((await member().changes.get.query({ workspace: WS, id: change.id })).state).toBe('submitted');
  });

  it('counts quorum "all" as every approver the step names, and refuses an approver outside the step', async () => {
    const dave = await addPerson(world, 'Dave', 'approver');
    const policy = await world.client('admin').approvalPolicies.create.mutate({
      workspace: WS,
      name: 'Everyone on db',
      priority: 1,
      tags: ['db'],
      steps: [{ name: 'All DBAs', approverIds: [alice.id, dave.id], quorum: 'all' }],
    });
    const dbHost = await seedHost(world, ['db']);
    const change = await submitted({ hostIds: [dbHost] });
    expect(change.policyId).toBe(policy.id);
    const request = change.approvals[0]!;
    expect(request.quorum).toBe(2);
    expect(
      await outcome(() =>
        carol.client.approvals.decide.mutate({
          workspace: WS,
          requestId: request.requestId,
          decision: 'approve',
        }),
      ),
    ).toBe('FORBIDDEN');
    await alice.client.approvals.decide.mutate({
      workspace: WS,
      requestId: request.requestId,
      decision: 'approve',
    });
    expect(
      await refusal(() =>
        alice.client.approvals.decide.mutate({
          workspace: WS,
          requestId: request.requestId,
          decision: 'reject',
          comment: 'changed my mind',
        }),
      ),
    ).toEqual({ code: 'CONFLICT', message: 'you already decided on this step' });
    await dave.client.approvals.decide.mutate({
      workspace: WS,
      requestId: request.requestId,
      decision: 'approve',
    });
    expect((await member().changes.get.query({ workspace: WS, id: change.id })).state).toBe('approved');
  });

  it('matches policies by type, minimum risk and tags, the first by priority', async () => {
    const admin = world.client('admin');
    await admin.approvalPolicies.create.mutate({
      workspace: WS,
      name: 'High risk',
      priority: 0,
      minRisk: 'high',
      changeTypes: ['normal'],
      steps: [{ name: 'Risk board', group: 'admin', quorum: 1 }],
    });
    const calm = await submitted({ title: 'calm' });
    expect(calm.policyId).toBeNull();
    expect(calm.approvals[0]!.stepName).toBe('Approval');
    // Unanswered questions count as their middle answer: impact 4 × likelihood 4 is high risk.
    const risky = await member().changes.create.mutate({
      workspace: WS,
      title: 'risky',
      ...windowFrom(new Date()),
    });
    expect(risky.risk.level).toBe('high');
    await member().changes.transition.mutate({ workspace: WS, id: risky.id, to: 'submitted' });
    const got = await member().changes.get.query({ workspace: WS, id: risky.id });
    expect(got.approvals[0]!.stepName).toBe('Risk board');
    expect(got.approvals[0]!.approvers.map((p) => p.name).sort()).toEqual([
      'admin@example.test',
      'owner@example.test',
    ]);
  });
});
