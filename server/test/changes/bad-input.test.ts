import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { addPerson, inAcme, userId, windowFrom, WS } from './support.ts';

/**
 * Bad input to change management: a typed 400 naming the field, and nothing stored (no change,
 * policy or delegation row, no audit row).
 */
let world: World;
let alice: Awaited<ReturnType<typeof addPerson>>;
let theirHost: string;
const NOBODY = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  world = await createWorld();
  alice = await addPerson(world, 'Alice', 'approver');
  const { rows } = await world.server.services.db.owner.query<{ id: string }>(
    `INSERT INTO hosts (workspace_id, hostname, port, interval_s) VALUES ($1, 'theirs.example.test', 443, 3600) RETURNING id`,
    [world.other.id],
  );
  theirHost = rows[0]!.id;
});
afterAll(async () => {
  await world?.close();
});

const counts = () =>
  inAcme(world, async (q) => {
    const { rows } = await q<{ changes: number; policies: number; audit: number }>(
      `SELECT (SELECT count(*)::int FROM changes) AS changes, (SELECT count(*)::int FROM approval_policies) AS policies,
              (SELECT count(*)::int FROM audit_events) AS audit`,
    );
    return rows[0]!;
  });

/** Expects a BAD_REQUEST whose fieldErrors name `field`, and no row written. */
async function refusedNaming(field: string, call: () => Promise<unknown>, message?: string | RegExp) {
  const before = await counts();
  const err = await call().then(
    () => undefined,
    (e: unknown) => e as { data?: { code: string; fieldErrors?: Record<string, string> }; message: string },
  );
  expect(err?.data?.code, `expected ${field} to be refused`).toBe('BAD_REQUEST');
  expect(Object.keys(err?.data?.fieldErrors ?? {})).toEqual([field]);
  if (message) expect(err?.data?.fieldErrors?.[field]).toMatch(message);
  expect(err?.message).not.toMatch(/violates|constraint|syntax|relation|SELECT|INSERT/);
  expect(await counts()).toEqual(before);
}

describe('bad input to changes', () => {
  const member = () => world.client('member');
  const window = windowFrom(new Date());

  it('refuses an end before the start, at creation and by an edit', async () => {
    await refusedNaming(
      'plannedEnd',
      () =>
        member().changes.create.mutate({
          workspace: WS,
          title: 'backwards',
          plannedStart: window.plannedEnd,
          plannedEnd: window.plannedStart,
        }),
      'plannedEnd must be after plannedStart',
    );
    const change = await member().changes.create.mutate({ workspace: WS, title: 'forwards', ...window });
    await refusedNaming('plannedEnd', () =>
      member().changes.update.mutate({
        workspace: WS,
        id: change.id,
        revision: change.revision,
        plannedEnd: new Date(window.plannedStart.getTime() - 1),
      }),
    );
  });

  it('refuses unknown hosts (another tenant’s too), alerts, incidents, certificates and assignees', async () => {
    const create = (fields: Record<string, unknown>) => () =>
      member().changes.create.mutate({ workspace: WS, title: 'links', ...fields });
    await refusedNaming(
      'affectedHostIds.0',
      create({ affectedHostIds: [NOBODY] }),
      'no such host in this workspace',
    );
    await refusedNaming(
      'affectedHostIds.0',
      create({ affectedHostIds: [theirHost] }),
      'no such host in this workspace',
    );
    await refusedNaming('alertIds.0', create({ alertIds: [NOBODY] }));
    await refusedNaming('incidentIds.0', create({ incidentIds: [NOBODY] }));
    await refusedNaming('certificateFingerprint', create({ certificateFingerprint: 'AB:CD' }));
    await refusedNaming(
      'assigneeId',
      create({ assigneeId: NOBODY }),
      'no member of this workspace has this id',
    );
    await refusedNaming(
      'assigneeId',
      create({ assigneeId: await userId(world, 'viewer') }),
      /cannot operate/,
    );
    await refusedNaming('affectedHostIds.0', create({ affectedHostIds: ['not-a-uuid'] }));
    await refusedNaming('riskAnswers.reach', create({ riskAnswers: { reach: 'galaxy' } }));
    await refusedNaming(
      'title',
      () => member().changes.create.mutate({ workspace: WS }),
      'title is required',
    );
  });

  it('refuses an invalid transition naming `to`', async () => {
    const change = await member().changes.create.mutate({ workspace: WS, title: 'not yet', ...window });
    await refusedNaming(
      'to',
      () => member().changes.transition.mutate({ workspace: WS, id: change.id, to: 'completed' }),
      'a change cannot go from draft to completed; from draft it can go to submitted, cancelled',
    );
    await member().changes.transition.mutate({ workspace: WS, id: change.id, to: 'submitted' });
    await refusedNaming(
      'to',
      () => member().changes.transition.mutate({ workspace: WS, id: change.id, to: 'approved' }),
      'a change becomes approved only through its approval steps (approvals.decide); from submitted it can go to draft, cancelled',
    );
    await refusedNaming('to', () =>
      member().changes.transition.mutate({ workspace: WS, id: change.id, to: 'bogus' as 'draft' }),
    );
  });
});

describe('bad input to approval policies', () => {
  const create = (steps: unknown[]) => () =>
    world
      .client('admin')
      .approvalPolicies.create.mutate({ workspace: WS, name: `p-${Math.random()}`, steps: steps as never });

  it('refuses an approver who is not a member, or cannot approve', async () => {
    await refusedNaming(
      'steps.0.approverIds.0',
      create([{ name: 'x', approverIds: [NOBODY] }]),
      'no member of this workspace has this id',
    );
    await refusedNaming(
      'steps.0.approverIds.1',
      create([{ name: 'x', approverIds: [alice.id, await userId(world, 'member')] }]),
      "this member's role (member) cannot approve",
    );
  });

  it('refuses a quorum larger than the approvers, and a step with nobody', async () => {
    await refusedNaming(
      'steps.1.quorum',
      create([
        { name: 'ok', approverIds: [alice.id] },
        { name: 'too many', approverIds: [alice.id], quorum: 2 },
      ]),
      'quorum 2 is larger than the 1 approver(s) this step names',
    );
    await refusedNaming('steps.0.approverIds', create([{ name: 'nobody' }]));
    await refusedNaming('steps', create([]));
    await refusedNaming('steps.0.group', create([{ name: 'members', group: 'member' }]));
  });

  it('refuses a quorum larger than the approvers in an edit, leaving the policy as it was', async () => {
    const policy = await world.client('admin').approvalPolicies.create.mutate({
      workspace: WS,
      name: 'kept',
      steps: [{ name: 'one', approverIds: [alice.id] }],
    });
    await refusedNaming('steps.0.quorum', () =>
      world.client('admin').approvalPolicies.update.mutate({
        workspace: WS,
        id: policy.id,
        steps: [{ name: 'two', approverIds: [alice.id], quorum: 3 }],
      }),
    );
    const listed = await world.client('viewer').approvalPolicies.list.query({ workspace: WS });
    expect(listed.find((p) => p.id === policy.id)?.steps).toEqual([
      { name: 'one', approverIds: [alice.id], group: null, quorum: 1 },
    ]);
  });
});
