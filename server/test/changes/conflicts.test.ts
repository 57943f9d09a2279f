import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { addPerson, CALM, windowFrom, WS } from './support.ts';

/**
 * Decisions that arrive too late: the words a desktop shows for an offline approval that lost
 * ("Alice approved it first", "the change was withdrawn"), and two approvers at the same moment.
 */
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

const member = () => world.client('member');

/** A change raised by the member and submitted (one default step: any approver, quorum one). */
async function submitted(fields: { title: string }) {
  const change = await member().changes.create.mutate({
    workspace: WS,
    title: fields.title,
    riskAnswers: CALM,
    ...windowFrom(new Date()),
  });
  await member().changes.transition.mutate({ workspace: WS, id: change.id, to: 'submitted' });
  return member().changes.get.query({ workspace: WS, id: change.id });
}

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

describe('late decisions', () => {
  it('lets exactly one of two approvers deciding at the same moment win; the other is told who', async () => {
    for (let round = 0; round < 3; round++) {
      const change = await submitted({ title: `race ${round}` });
      const request = change.approvals[0]!;
      expect(request.quorum).toBe(1);
      const results = await Promise.all(
        [alice, bob].map((p) =>
          refusal(() =>
            p.client.approvals.decide.mutate({
              workspace: WS,
              requestId: request.requestId,
              decision: 'approve',
            }),
          ).then((r) => ({ ...r, who: p.name })),
        ),
      );
      const won = results.filter((r) => r.code === 'OK');
      const lost = results.filter((r) => r.code !== 'OK');
      expect(won).toHaveLength(1);
      expect(lost).toEqual([
        { code: 'CONFLICT', message: `${won[0]!.who} approved it first`, who: expect.any(String) },
      ]);
      const after = await member().changes.get.query({ workspace: WS, id: change.id });
      expect(after.state).toBe('approved');
      expect(after.approvals[0]!.decisions).toHaveLength(1);
    }
  });

  it('refuses a decision on a change that moved on, saying how', async () => {
    // Withdrawn back to draft.
    const withdrawn = await submitted({ title: 'withdrawn' });
    await member().changes.transition.mutate({ workspace: WS, id: withdrawn.id, to: 'draft' });
    expect(
      await refusal(() =>
        bob.client.approvals.decide.mutate({
          workspace: WS,
          requestId: withdrawn.approvals[0]!.requestId,
          decision: 'approve',
        }),
      ),
    ).toEqual({ code: 'CONFLICT', message: 'the change was withdrawn' });

    // Cancelled.
    const cancelled = await submitted({ title: 'cancelled' });
    await member().changes.transition.mutate({ workspace: WS, id: cancelled.id, to: 'cancelled' });
    expect(
      await refusal(() =>
        bob.client.approvals.decide.mutate({
          workspace: WS,
          requestId: cancelled.approvals[0]!.requestId,
          decision: 'approve',
        }),
      ),
    ).toEqual({ code: 'CONFLICT', message: 'the change was cancelled' });

    // Edited after the request was sent: the old request is refused, a new one is asked.
    const edited = await submitted({ title: 'edited' });
    await member().changes.update.mutate({
      workspace: WS,
      id: edited.id,
      revision: edited.revision,
      rollbackPlan: 'restore the previous certificate',
    });
    expect(
      await refusal(() =>
        bob.client.approvals.decide.mutate({
          workspace: WS,
          requestId: edited.approvals[0]!.requestId,
          decision: 'approve',
        }),
      ),
    ).toEqual({ code: 'CONFLICT', message: 'the change was edited after you were asked' });
    const again = await member().changes.get.query({ workspace: WS, id: edited.id });
    expect(again.approvals.map((a) => [a.state, a.revision])).toEqual([
      ['superseded', edited.revision],
      ['pending', edited.revision + 1],
    ]);
    // The approver saw an older revision than the one the request is for: refused too.
    expect(
      await refusal(() =>
        bob.client.approvals.decide.mutate({
          workspace: WS,
          requestId: again.approvals[1]!.requestId,
          decision: 'approve',
          revision: edited.revision,
        }),
      ),
    ).toEqual({ code: 'CONFLICT', message: 'the change was edited after you were asked' });
    await bob.client.approvals.decide.mutate({
      workspace: WS,
      requestId: again.approvals[1]!.requestId,
      decision: 'approve',
      revision: again.revision,
    });
    expect((await member().changes.get.query({ workspace: WS, id: edited.id })).state).toBe('approved');
  });
});
