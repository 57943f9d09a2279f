import { TRPCClientError } from '@trpc/client';
import { CHANGE_STATES, type ChangeState, transitionRefusal } from '@vigilo/shared/change-states';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { auditRows, CALM, changeEvents, windowFrom, WS } from './support.ts';

/** What a person may do from each state: written out here, independently of the module. */
const LEGAL: Record<ChangeState, ChangeState[]> = {
  draft: ['submitted', 'cancelled'],
  submitted: ['draft', 'cancelled'],
  approved: ['scheduled', 'cancelled'],
  scheduled: ['implementing', 'cancelled'],
  implementing: ['completed', 'failed', 'rolled_back'],
  completed: [],
  failed: [],
  rolled_back: [],
  rejected: [],
  cancelled: [],
};
const PAIRS = CHANGE_STATES.flatMap((from) => CHANGE_STATES.map((to) => [from, to] as const));

describe('the change state machine (pure)', () => {
  it.each(PAIRS)('%s → %s is legal exactly when the table says so', (from, to) => {
    const refusal = transitionRefusal(from, to);
    if (LEGAL[from].includes(to)) return expect(refusal).toBeUndefined();
    expect(refusal?.allowed).toEqual(LEGAL[from]);
    expect(refusal?.message).toContain(
      LEGAL[from].length > 0 ? `from ${from} it can go to ${LEGAL[from].join(', ')}` : 'is final',
    );
  });

  it('leaves approved and rejected to the approval steps', () => {
    expect(transitionRefusal('submitted', 'approved', 'approval')).toBeUndefined();
    expect(transitionRefusal('submitted', 'rejected', 'approval')).toBeUndefined();
    expect(transitionRefusal('submitted', 'approved')?.message).toMatch(/only through its approval steps/);
  });
});

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => {
  await world?.close();
});

const member = () => world.client('member');
const approver = () => world.client('approver');

/** A change brought to `state` through the API, the way people would. */
async function changeIn(state: ChangeState): Promise<string> {
  const { id } = await member().changes.create.mutate({
    workspace: WS,
    title: `a change to be ${state}`,
    riskAnswers: CALM,
    ...windowFrom(new Date()),
  });
  const move = (to: ChangeState) => member().changes.transition.mutate({ workspace: WS, id, to });
  if (state === 'draft') return id;
  if (state === 'cancelled') return (await move('cancelled')).id;
  await move('submitted');
  if (state === 'submitted') return id;
  const { approvals } = await member().changes.get.query({ workspace: WS, id });
  const requestId = approvals[0]!.requestId;
  if (state === 'rejected') {
    await approver().approvals.decide.mutate({
      workspace: WS,
      requestId,
      decision: 'reject',
      comment: 'not now',
    });
    return id;
  }
  await approver().approvals.decide.mutate({ workspace: WS, requestId, decision: 'approve' });
  if (state === 'approved') return id;
  await move('scheduled');
  if (state === 'scheduled') return id;
  await move('implementing');
  if (state === 'implementing') return id;
  await move(state);
  return id;
}

describe('changes.transition', () => {
  it.each(CHANGE_STATES)(
    'refuses every illegal move from %s, naming `to` and the allowed moves, storing nothing',
    async (from) => {
      const id = await changeIn(from);
      const before = await member().changes.get.query({ workspace: WS, id });
      const audit = (await auditRows(world, id)).length;
      expect(before.state).toBe(from);
      expect(before.allowedTransitions).toEqual(LEGAL[from]);
      for (const to of CHANGE_STATES.filter((s) => !LEGAL[from].includes(s))) {
        const err = await member()
          .changes.transition.mutate({ workspace: WS, id, to })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(err, `${from} → ${to}`).toBeInstanceOf(TRPCClientError);
        const { code, fieldErrors } = (err as TRPCClientError<never>).data as unknown as {
          code: string;
          fieldErrors: Record<string, string>;
        };
        expect(code).toBe('BAD_REQUEST');
        expect(fieldErrors.to).toContain(
          LEGAL[from].length > 0 ? `from ${from} it can go to ${LEGAL[from].join(', ')}` : 'is final',
        );
      }
      const after = await member().changes.get.query({ workspace: WS, id });
      expect({ state: after.state, revision: after.revision, updatedAt: after.updatedAt }).toEqual({
        state: before.state,
        revision: before.revision,
        updatedAt: before.updatedAt,
      });
      expect((await auditRows(world, id)).length).toBe(audit);
    },
  );

  it('records an audit row and an event for every move, in the same transaction', async () => {
    const id = await changeIn('completed');
    const rows = await auditRows(world, id);
    expect(rows.map((r) => r.action)).toEqual([
      'change.created',
      'change.submitted',
      'approval.requested',
      'approval.decided',
      'change.approved',
      'change.transitioned',
      'change.transitioned',
      'change.transitioned',
    ]);
    expect(
      rows
        .filter((r) => r.action === 'change.transitioned')
        .map((r) => [r.summary.before?.state, r.summary.after?.state]),
    ).toEqual([
      ['approved', 'scheduled'],
      ['scheduled', 'implementing'],
      ['implementing', 'completed'],
    ]);
    expect(rows.every((r) => r.actor.startsWith('user:'))).toBe(true);
    expect(await changeEvents(world, id)).toEqual(rows.map((r) => r.action));
    const done = await member().changes.get.query({ workspace: WS, id });
    expect(done.closedAt).not.toBeNull();
    expect(done.allowedTransitions).toEqual([]);
  });

  it.each(['failed', 'rolled_back', 'cancelled', 'rejected'] as const)(
    'ends a change as %s with its audit row and event',
    async (end) => {
      const id = await changeIn(end);
      const rows = await auditRows(world, id);
      const last = rows.at(-1)!;
      expect(last.action).toBe(end === 'rejected' ? 'change.rejected' : 'change.transitioned');
      expect(last.summary.after?.state).toBe(end);
      expect((await changeEvents(world, id)).at(-1)).toBe(last.action);
    },
  );

  it('refuses a move at a revision the caller no longer has', async () => {
    const id = await changeIn('draft');
    const { revision } = await member().changes.update.mutate({
      workspace: WS,
      id,
      revision: 1,
      testPlan: 'curl it',
    });
    expect(revision).toBe(2);
    await expect(
      member().changes.transition.mutate({ workspace: WS, id, to: 'submitted', revision: 1 }),
    ).rejects.toMatchObject({ data: { code: 'CONFLICT' } });
    expect((await member().changes.get.query({ workspace: WS, id })).state).toBe('draft');
  });
});
