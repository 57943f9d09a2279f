import { randomUUID } from 'node:crypto';
import type { PushEntryInput } from '@vigilo/shared/outbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { addPerson, CALM, type Client, windowFrom, WS } from './support.ts';

let world: World;
let alice: Awaited<ReturnType<typeof addPerson>>;
let bob: Awaited<ReturnType<typeof addPerson>>;
beforeAll(async () => {
  world = await createWorld();
  alice = await addPerson(world, 'Alice', 'approver');
  bob = await addPerson(world, 'Bob', 'approver');
});
afterAll(async () => {
  await world?.close();
});

/** One outbox entry pushed as a desktop would, raw (some deliberately outside the contract). */
const push = (client: Client, args: Record<string, unknown>, clientId = randomUUID()) =>
  client.sync.push
    .mutate({ workspace: WS, mutations: [{ clientId, kind: 'approval.decide', args } as PushEntryInput] })
    .then((r) => r[0]!);

async function submittedRequest(title: string): Promise<{ changeId: string; requestId: string }> {
  const member = world.client('member');
  const change = await member.changes.create.mutate({
    workspace: WS,
    title,
    riskAnswers: CALM,
    ...windowFrom(new Date()),
  });
  await member.changes.transition.mutate({ workspace: WS, id: change.id, to: 'submitted' });
  const got = await member.changes.get.query({ workspace: WS, id: change.id });
  return { changeId: change.id, requestId: got.approvals[0]!.requestId };
}

describe('approval.decide through sync.push (offline approvals)', () => {
  it('applies a decision once per client id, through the same rules as approvals.decide', async () => {
    const { changeId, requestId } = await submittedRequest('approved offline');
    const clientId = randomUUID();
    const first = await push(
      alice.client,
      { requestId, decision: 'approve', comment: 'from the train' },
      clientId,
    );
    expect(first).toMatchObject({ status: 'applied', replayed: false, value: { changeState: 'approved' } });
    expect(await push(alice.client, { requestId, decision: 'approve' }, clientId)).toMatchObject({
      status: 'applied',
      replayed: true,
    });
    const change = await world.client('member').changes.get.query({ workspace: WS, id: changeId });
    expect(change.approvals[0]!.decisions).toHaveLength(1);
  });

  it('comes back as a conflict in words when someone decided first, or the change moved on', async () => {
    const raced = await submittedRequest('raced');
    await alice.client.approvals.decide.mutate({
      workspace: WS,
      requestId: raced.requestId,
      decision: 'approve',
    });
    const clientId = randomUUID();
    const late = await push(
      bob.client,
      { requestId: raced.requestId, decision: 'reject', comment: 'too risky' },
      clientId,
    );
    expect(late).toEqual({
      clientId,
      replayed: false,
      status: 'conflict',
      reason: 'already_decided',
      message: 'Alice approved it first',
    });
    // A retry gets the same answer, not a second attempt.
    expect(
      await push(bob.client, { requestId: raced.requestId, decision: 'reject' }, clientId),
    ).toMatchObject({
      status: 'conflict',
      replayed: true,
      message: 'Alice approved it first',
    });

    const withdrawn = await submittedRequest('withdrawn');
    await world
      .client('member')
      .changes.transition.mutate({ workspace: WS, id: withdrawn.changeId, to: 'draft' });
    expect(await push(bob.client, { requestId: withdrawn.requestId, decision: 'approve' })).toMatchObject({
      status: 'conflict',
      reason: 'stale',
      message: 'the change was withdrawn',
    });
    // Nothing of a refused entry is kept.
    const trail = await world.client('member').changes.get.query({ workspace: WS, id: withdrawn.changeId });
    expect(trail.approvals[0]!.decisions).toEqual([]);
  });

  it('refuses a role that cannot approve, and arguments outside the contract, naming the field', async () => {
    const { requestId } = await submittedRequest('refused');
    expect(await push(world.client('member'), { requestId, decision: 'approve' })).toMatchObject({
      status: 'conflict',
      reason: 'forbidden',
    });
    const bad = await push(alice.client, { requestId, decision: 'maybe' });
    expect(bad).toMatchObject({
      status: 'conflict',
      reason: 'invalid',
      message: expect.stringMatching(/^decision: /),
    });
    expect(await push(alice.client, { requestId, decision: 'reject' })).toMatchObject({
      status: 'conflict',
      reason: 'invalid',
      message: expect.stringMatching(/^comment: /),
    });
  });
});
