import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { addPerson, CALM, inAcme, seedHost, WS, windowFrom } from '../changes/support.ts';

/**
 * The control tests that read change management: emergency changes reviewed within 5 days, and
 * changes to production approved before they started. Changes are made through the API; the
 * failing "started before approval" case is written behind it, since the API refuses to make one.
 */
const DAY = 86_400_000;
let now = new Date('2034-02-01T10:00:00.000Z');
let world: World;
let alice: Awaited<ReturnType<typeof addPerson>>;
let bob: Awaited<ReturnType<typeof addPerson>>;

const run = async (testId: 'emergency_retrospective' | 'production_changes_approved') => {
  const [result] = await world
    .client('approver')
    .controlTests.run.mutate({ workspace: WS, testIds: [testId] });
  return result!;
};

beforeAll(async () => {
  world = await createWorld({ clock: () => now });
  alice = await addPerson(world, 'Alice', 'approver');
  bob = await addPerson(world, 'Bob', 'approver');
  await world.client('admin').approvalPolicies.create.mutate({
    workspace: WS,
    name: 'Emergencies',
    changeTypes: ['emergency'],
    steps: [{ name: 'Duty managers', approverIds: [alice.id, bob.id], quorum: 1 }],
  });
});
afterAll(async () => {
  await world?.close();
});

describe('emergency_retrospective', () => {
  it('passes while the review is not due, fails once it is late, passes again once reviewed', async () => {
    expect(await run('emergency_retrospective')).toMatchObject({ status: 'not_applicable' });
    const member = world.client('member');
    const change = await member.changes.create.mutate({
      workspace: WS,
      type: 'emergency',
      title: 'rotate the key',
    });
    await member.changes.transition.mutate({ workspace: WS, id: change.id, to: 'submitted' });
    const asked = await member.changes.get.query({ workspace: WS, id: change.id });
    await alice.client.approvals.decide.mutate({
      workspace: WS,
      requestId: asked.approvals[0]!.requestId,
      decision: 'approve',
    });
    const onTime = await run('emergency_retrospective');
    expect(onTime).toMatchObject({ status: 'pass' });
    expect(onTime.subjects).toEqual([
      expect.objectContaining({
        type: 'change',
        id: change.id,
        ok: true,
        fields: expect.objectContaining({ retrospectiveDone: false }),
      }),
    ]);

    now = new Date(now.getTime() + 5 * DAY);
    const late = await run('emergency_retrospective');
    expect(late).toMatchObject({
      status: 'fail',
      summary: '1 of 1 emergency change(s) are past their retrospective review date without it.',
    });
    expect(late.subjects[0]).toMatchObject({ id: change.id, ok: false });

    const review = (await member.changes.get.query({ workspace: WS, id: change.id })).approvals.find(
      (a) => a.kind === 'retrospective',
    )!;
    await bob.client.approvals.decide.mutate({
      workspace: WS,
      requestId: review.requestId,
      decision: 'approve',
    });
    const reviewed = await run('emergency_retrospective');
    expect(reviewed.status).toBe('pass');
    expect(reviewed.subjects[0]).toMatchObject({
      id: change.id,
      ok: true,
      fields: { retrospectiveDone: true },
    });
  });
});

describe('production_changes_approved', () => {
  it('passes for changes approved before they started, fails for one that started before its approval', async () => {
    expect(await run('production_changes_approved')).toMatchObject({ status: 'not_applicable' });
    const production = await seedHost(world, ['production']);
    const staging = await seedHost(world, ['staging']);
    const member = world.client('member');
    const implement = async (hostId: string, title: string) => {
      const { id } = await member.changes.create.mutate({
        workspace: WS,
        title,
        riskAnswers: CALM,
        affectedHostIds: [hostId],
        ...windowFrom(now),
      });
      await member.changes.transition.mutate({ workspace: WS, id, to: 'submitted' });
      const { approvals } = await member.changes.get.query({ workspace: WS, id });
      for (const a of approvals.filter((x) => x.state === 'pending'))
        await world
          .client('approver')
          .approvals.decide.mutate({ workspace: WS, requestId: a.requestId, decision: 'approve' });
      await member.changes.transition.mutate({ workspace: WS, id, to: 'scheduled' });
      now = new Date(now.getTime() + 60_000);
      await member.changes.transition.mutate({ workspace: WS, id, to: 'implementing' });
      return id;
    };
    const approved = await implement(production, 'patch the web tier');
    await implement(staging, 'patch staging');
    const pass = await run('production_changes_approved');
    expect(pass.status).toBe('pass');
    expect(pass.subjects.map((s) => [s.id, s.ok])).toEqual([[approved, true]]);
    expect(pass.subjects[0]!.fields.startedAuditSeq).toBeGreaterThan(
      pass.subjects[0]!.fields.approvedAuditSeq as number,
    );

    // Changes the API cannot make, which is what a detective control is for: one whose approval
    // was taken away behind the API, and one put straight into implementing with no approval.
    await inAcme(world, (q) => q('UPDATE changes SET approved_at = NULL WHERE id = $1', [approved]));
    const fail = await run('production_changes_approved');
    expect(fail.status).toBe('fail');
    expect(fail.subjects[0]).toMatchObject({ id: approved, ok: false });
    await inAcme(world, (q) => q('UPDATE changes SET approved_at = $2 WHERE id = $1', [approved, now]));
    expect((await run('production_changes_approved')).status).toBe('pass');
    const { rows } = await inAcme(world, (q) =>
      q<{ id: string }>(
        `INSERT INTO changes (workspace_id, type, state, title, affected_tags, requester_id, risk_level, risk_score, approved_at)
         VALUES ($1, 'normal', 'implementing', 'hotfix straight to prod', '{production}', $2, 'low', 0, $3) RETURNING id`,
        [world.workspace.id, alice.id, now],
      ),
    );
    const unapproved = await run('production_changes_approved');
    expect(unapproved).toMatchObject({
      status: 'fail',
      summary: '1 of 2 started change(s) to production were not approved before they started.',
    });
    expect(unapproved.subjects[0]).toMatchObject({
      id: rows[0]!.id,
      ok: false,
      fields: { approvedAuditSeq: null },
    });
  });
});
