import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { CALM, inAcme, seedHost, WS, windowFrom } from '../changes/support.ts';

/**
 * Across the pillars: an incident opened on a host raises the risk of the changes still to come
 * on it (an open problem is one of the risk rules), and a change whose risk rose is put on the
 * next planned CAB meeting's agenda with the reason, where refilling the agenda from its filter
 * keeps it. A change whose risk did not rise, and meetings already past, are left alone.
 */
let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => {
  await world?.close();
});

const member = () => world.client('member');
const approver = () => world.client('approver');
const HOUR = 3_600_000;

describe('a new incident and the CAB agenda', () => {
  it('puts a change whose risk rose on the next CAB meeting, and keeps it there', async () => {
    const host = await seedHost(world);
    const other = await seedHost(world);
    const { id: changeId } = await member().changes.create.mutate({
      workspace: WS,
      title: 'Patch the load balancer',
      riskAnswers: CALM,
      affectedHostIds: [host],
      ...windowFrom(new Date()),
    });
    const { id: untouched } = await member().changes.create.mutate({
      workspace: WS,
      title: 'Patch something else',
      riskAnswers: CALM,
      affectedHostIds: [other],
      ...windowFrom(new Date()),
    });
    for (const id of [changeId, untouched])
      await member().changes.transition.mutate({ workspace: WS, id, to: 'submitted' });
    expect((await member().changes.get.query({ workspace: WS, id: changeId })).risk.level).toBe('low');
    const start = Date.now();
    // Only high-risk changes match its filter: the change is not there by the filter.
    const next = await approver().cab.create.mutate({
      workspace: WS,
      title: 'Weekly CAB',
      startsAt: new Date(start + 24 * HOUR),
      endsAt: new Date(start + 25 * HOUR),
      filter: { types: [], minRisk: 'high', tags: [], submittedBefore: null },
    });
    const later = await approver().cab.create.mutate({
      workspace: WS,
      title: 'Following CAB',
      startsAt: new Date(start + 8 * 24 * HOUR),
      endsAt: new Date(start + 8 * 24 * HOUR + HOUR),
      filter: { types: [], minRisk: 'high', tags: [], submittedBefore: null },
    });
    expect((await approver().cab.get.query({ workspace: WS, id: next.id })).agenda).toEqual([]);

    await member().incidents.create.mutate({
      workspace: WS,
      title: 'Load balancer drops connections',
      severity: 'SEV2',
      hostIds: [host],
    });

    const change = await member().changes.get.query({ workspace: WS, id: changeId });
    expect(change.risk.level).toBe('moderate');
    expect(change.risk.reasons.map((r) => r.code)).toContain('open_problem');
    expect((await member().changes.get.query({ workspace: WS, id: untouched })).risk.level).toBe('low');
    const agenda = async (id: string) =>
      (await approver().cab.get.query({ workspace: WS, id })).agenda.map((i) => i.change.id);
    expect(await agenda(next.id)).toEqual([changeId]);
    expect(await agenda(later.id)).toEqual([]);
    const reasons = await inAcme(world, (q) =>
      q<{ added_reason: string; action: string }>(
        `SELECT i.added_reason, (SELECT action FROM audit_events WHERE target_id = $2 ORDER BY seq DESC LIMIT 1) AS action
         FROM cab_agenda_items i WHERE i.meeting_id = $1`,
        [next.id, next.id],
      ),
    );
    expect(reasons.rows).toEqual([
      {
        added_reason: 'risk rose to moderate with an incident on its hosts',
        action: 'cab_meeting.agenda_updated',
      },
    ]);

    // Refilling the agenda from its filter (an edit of the meeting) keeps the item.
    await approver().cab.update.mutate({ workspace: WS, id: next.id, title: 'Weekly CAB (moved)' });
    await approver().cab.update.mutate({
      workspace: WS,
      id: next.id,
      filter: { types: [], minRisk: 'high', tags: [], submittedBefore: null },
    });
    expect(await agenda(next.id)).toEqual([changeId]);

    // A second incident on the same host: the risk does not rise again, nothing is added twice.
    await member().incidents.create.mutate({
      workspace: WS,
      title: 'Still dropping',
      severity: 'SEV3',
      hostIds: [host],
    });
    expect(await agenda(next.id)).toEqual([changeId]);
  });
});
