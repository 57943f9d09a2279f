import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outcome } from '@vigilo/tests/support/client';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { addPerson, auditRows, changeEvents, WS } from './support.ts';

let world: World;
let alice: Awaited<ReturnType<typeof addPerson>>;
beforeAll(async () => {
  world = await createWorld();
  alice = await addPerson(world, 'Alice', 'approver');
});
afterAll(async () => {
  await world?.close();
});

describe('the standard-change catalogue', () => {
  it('approves a change raised from an approved template at once, and the audit log says it was automatic', async () => {
    const approver = world.client('approver');
    const template = await approver.changeTemplates.create.mutate({
      workspace: WS,
      name: 'Renew a certificate from the internal CA',
      implementationPlan: 'issue, deploy, reload',
      rollbackPlan: 'redeploy the previous certificate',
      affectedTags: ['internal'],
    });
    expect(template.state).toBe('proposed');
    const member = world.client('member');
    // Not approved yet: a change cannot be raised from it.
    await expect(
      member.changes.create.mutate({ workspace: WS, templateId: template.id }),
    ).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST', fieldErrors: { templateId: expect.stringMatching(/not approved yet/) } },
    });
    // Four eyes: its proposer cannot approve it.
    expect(
      await outcome(() => approver.changeTemplates.approve.mutate({ workspace: WS, id: template.id })),
    ).toBe('FORBIDDEN');
    const approved = await alice.client.changeTemplates.approve.mutate({ workspace: WS, id: template.id });
    expect(approved).toMatchObject({ state: 'approved', approvedBy: alice.id });
    expect(
      await outcome(() => alice.client.changeTemplates.approve.mutate({ workspace: WS, id: template.id })),
    ).toBe('CONFLICT');

    const change = await member.changes.create.mutate({ workspace: WS, templateId: template.id });
    expect(change).toMatchObject({
      type: 'standard',
      state: 'approved',
      title: template.name,
      implementationPlan: 'issue, deploy, reload',
      affectedTags: ['internal'],
      templateId: template.id,
    });
    expect(change.approvedAt).not.toBeNull();
    const audit = await auditRows(world, change.id);
    expect(audit.map((r) => r.action)).toEqual(['change.created', 'change.approved']);
    expect(audit[1]!.summary).toMatchObject({
      after: { state: 'approved', automatic: true, templateId: template.id },
      reason: 'standard change raised from an approved template',
    });
    expect(await changeEvents(world, change.id)).toEqual(['change.created', 'change.approved']);
    expect((await auditRows(world, template.id)).map((r) => r.action)).toEqual([
      'change_template.created',
      'change_template.approved',
    ]);
  });

  it('keeps standard changes to templates, and templates to standard changes', async () => {
    const member = world.client('member');
    await expect(
      member.changes.create.mutate({ workspace: WS, type: 'standard', title: 'just do it' }),
    ).rejects.toMatchObject({
      data: { fieldErrors: { templateId: expect.stringMatching(/approved template/) } },
    });
    const t = await world
      .client('approver')
      .changeTemplates.create.mutate({ workspace: WS, name: 'Restart a worker' });
    await alice.client.changeTemplates.approve.mutate({ workspace: WS, id: t.id });
    await expect(
      member.changes.create.mutate({ workspace: WS, type: 'normal', templateId: t.id }),
    ).rejects.toMatchObject({ data: { fieldErrors: { type: expect.stringMatching(/standard change/) } } });
    await expect(
      world.client('approver').changeTemplates.create.mutate({ workspace: WS, name: 'Restart a worker' }),
    ).rejects.toMatchObject({ data: { fieldErrors: { name: expect.stringMatching(/already exists/) } } });
  });

  it('removes a template from the catalogue; the changes raised from it stay', async () => {
    const t = await world
      .client('approver')
      .changeTemplates.create.mutate({ workspace: WS, name: 'Rotate logs' });
    await alice.client.changeTemplates.approve.mutate({ workspace: WS, id: t.id });
    const change = await world.client('member').changes.create.mutate({ workspace: WS, templateId: t.id });
    expect(
      await outcome(() => world.client('member').changeTemplates.remove.mutate({ workspace: WS, id: t.id })),
    ).toBe('FORBIDDEN');
    await alice.client.changeTemplates.remove.mutate({ workspace: WS, id: t.id });
    expect(
      (await world.client('viewer').changeTemplates.list.query({ workspace: WS })).map((x) => x.id),
    ).not.toContain(t.id);
    const kept = await world.client('viewer').changes.get.query({ workspace: WS, id: change.id });
    expect(kept).toMatchObject({ title: 'Rotate logs', state: 'approved', templateId: null });
  });
});
