import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outcome } from '@vigilo/tests/support/client';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { eventsAbout, span } from './calendar-support.ts';
import { addPerson, auditRows, CALM, changeEvents, WS } from './support.ts';

/**
 * CAB meetings: the agenda fills from the submitted changes matching the meeting's filter
 * (normal, high risk, submitted before the meeting); the board's decision on a change closes its
 * policy's CAB step as that step's approval — the same decision row, next step or approval or
 * rejection, audit rows and events as any approver's — and no single approver can pass that step.
 */
const start = new Date('2033-09-05T08:00:00.000Z');
let now = start;
const HOUR = 3_600_000;
let world: World;
let alice: Awaited<ReturnType<typeof addPerson>>;
let bob: Awaited<ReturnType<typeof addPerson>>;
let carol: Awaited<ReturnType<typeof addPerson>>;

/** The questionnaire's highest answers: impact 5 × likelihood 5, high risk. */
const RISKY = {
  reach: 'everyone',
  interruption: 'outage',
  tested: 'no',
  rollback: 'impossible',
  familiar: 'never',
} as const;

beforeAll(async () => {
  world = await createWorld({ clock: () => now });
  alice = await addPerson(world, 'Alice', 'approver');
  bob = await addPerson(world, 'Bob', 'approver');
  carol = await addPerson(world, 'Carol', 'approver');
  await world.client('admin').approvalPolicies.create.mutate({
    workspace: WS,
    name: 'High-risk normal changes',
    changeTypes: ['normal'],
    minRisk: 'high',
    steps: [
      { name: 'Service owner', approverIds: [alice.id], quorum: 1 },
      { name: 'CAB', group: 'approver', cab: true },
    ],
  });
});
afterAll(async () => {
  await world?.close();
});

const member = () => world.client('member');

async function submitted(
  title: string,
  answers: Record<string, string>,
  type: 'normal' | 'emergency' = 'normal',
) {
  now = new Date(now.getTime() + 60_000); // one a minute: the agenda is in the order submitted
  const { id } = await member().changes.create.mutate({
    workspace: WS,
    title,
    type,
    riskAnswers: answers,
    ...span(now, 100),
  });
  await member().changes.transition.mutate({ workspace: WS, id, to: 'submitted' });
  return id;
}

describe('CAB meetings', () => {
  it('fills the agenda by filter, and records the board’s decisions as the CAB step’s approval', async () => {
    const risky = await submitted('migrate the database', RISKY);
    const rejected = await submitted('rewrite the router config by hand', RISKY);
    const withdrawn = await submitted('move the DNS provider', RISKY);
    await submitted('rotate a log file', CALM); // low risk: not on the agenda
    await submitted('hotfix the checkout', RISKY, 'emergency'); // not a normal change
    now = new Date(start.getTime() + 3 * HOUR);
    await submitted('too late for this meeting', RISKY); // submitted after the meeting starts

    const meeting = await world.client('approver').cab.create.mutate({
      workspace: WS,
      title: 'Weekly CAB',
      startsAt: new Date(start.getTime() + 2 * HOUR),
      endsAt: new Date(start.getTime() + 3 * HOUR),
      attendeeIds: [alice.id, bob.id],
      filter: { types: ['normal'], minRisk: 'high' },
    });
    expect(meeting.agenda).toEqual([risky, rejected, withdrawn]);

    // A withdrawn change leaves the agenda when it is filled again.
    await member().changes.transition.mutate({ workspace: WS, id: withdrawn, to: 'draft' });
    expect(
      await world.client('approver').cab.refreshAgenda.mutate({ workspace: WS, id: meeting.id }),
    ).toEqual({
      added: [],
      removed: [withdrawn],
    });

    // The service owner's step comes first: the board cannot decide before it.
    const decide = (who: typeof bob, changeId: string, decision: 'approve' | 'reject', comment?: string) =>
      who.client.cab.addDecision.mutate({
        workspace: WS,
        meetingId: meeting.id,
        changeId,
        decision,
        comment,
      });
    await expect(decide(bob, risky, 'approve')).rejects.toMatchObject({
      data: { code: 'CONFLICT' },
      message: expect.stringMatching(/step 2 \(CAB\) is not open yet/),
    });
    for (const id of [risky, rejected]) {
      const [mine] = (await alice.client.approvals.mine.query({ workspace: WS })).filter(
        (a) => a.change.id === id,
      );
      await alice.client.approvals.decide.mutate({
        workspace: WS,
        requestId: mine!.requestId,
        decision: 'approve',
      });
    }
    // The CAB step is open now, but it waits on no single approver, and none can pass it.
    const cabStep = (await member().changes.get.query({ workspace: WS, id: risky })).approvals.find(
      (a) => a.cab,
    )!;
    expect(cabStep).toMatchObject({ stepName: 'CAB', state: 'pending', cab: true });
    expect((await bob.client.approvals.mine.query({ workspace: WS })).map((a) => a.change.id)).not.toContain(
      risky,
    );
    await expect(
      bob.client.approvals.decide.mutate({
        workspace: WS,
        requestId: cabStep.requestId,
        decision: 'approve',
      }),
    ).rejects.toMatchObject({
      data: { code: 'FORBIDDEN' },
      message: expect.stringMatching(/change advisory board/),
    });
    // Only attendees record the board's decisions.
    expect(await outcome(() => decide(carol, risky, 'approve'))).toBe('FORBIDDEN');

    const outcomeOf = await decide(bob, risky, 'approve', 'go, with the DBA on call');
    expect(outcomeOf).toMatchObject({ changeState: 'approved', requestId: cabStep.requestId });
    const approved = await member().changes.get.query({ workspace: WS, id: risky });
    expect(approved.state).toBe('approved');
    expect(approved.approvals.find((a) => a.cab)).toMatchObject({
      state: 'approved',
      decisions: [
        expect.objectContaining({
          decision: 'approve',
          decidedBy: { id: bob.id, name: 'Bob' },
          cabMeetingId: meeting.id,
        }),
      ],
    });
    expect(await outcome(() => decide(alice, risky, 'reject', 'second thoughts'))).toBe('CONFLICT');

    await expect(decide(bob, rejected, 'reject')).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST', fieldErrors: { comment: expect.any(String) } },
    });
    expect((await decide(alice, rejected, 'reject', 'no rollback plan')).changeState).toBe('rejected');

    const minutes = await member().cab.get.query({ workspace: WS, id: meeting.id });
    expect(minutes.attendees.map((p) => p.name)).toEqual(['Alice', 'Bob']);
    expect(
      minutes.agenda.map((i) => [
        i.change.title,
        i.decision,
        i.decidedBy?.name,
        i.cabStep?.state,
        i.change.state,
      ]),
    ).toEqual([
      ['migrate the database', 'approve', 'Bob', 'approved', 'approved'],
      ['rewrite the router config by hand', 'reject', 'Alice', 'rejected', 'rejected'],
    ]);

    // Each decision is the approval trail's and the meeting's, with their audit rows and events.
    expect((await auditRows(world, risky)).map((r) => r.action).slice(-2)).toEqual([
      'approval.decided',
      'change.approved',
    ]);
    expect((await changeEvents(world, risky)).slice(-3)).toEqual([
      'approval.decided',
      'change.approved',
      'cab_meeting.decided',
    ]);
    expect((await auditRows(world, meeting.id)).map((r) => r.action)).toEqual([
      'cab_meeting.created',
      'cab_meeting.agenda_updated',
      'cab_meeting.decided',
      'cab_meeting.decided',
    ]);
    expect(
      (await eventsAbout(world, 'cab_meeting.decided', 'meetingId', meeting.id)).map((p) => p.decision),
    ).toEqual(['approve', 'reject']);

    // Closed, the minutes are final.
    await world.client('approver').cab.update.mutate({ workspace: WS, id: meeting.id, state: 'closed' });
    expect(await outcome(() => decide(bob, rejected, 'approve'))).toBe('CONFLICT');
    expect(
      (await member().cab.list.query({ workspace: WS })).map((m) => [
        m.title,
        m.state,
        m.agendaItems,
        m.decided,
      ]),
    ).toEqual([['Weekly CAB', 'closed', 2, 2]]);
  });

  it('refuses a meeting ending before it starts, or with an attendee who is no member, storing nothing', async () => {
    const approver = world.client('approver');
    await expect(
      approver.cab.create.mutate({
        workspace: WS,
        title: 'x',
        startsAt: new Date(now.getTime() + HOUR),
        endsAt: now,
      }),
    ).rejects.toMatchObject({ data: { code: 'BAD_REQUEST', fieldErrors: { endsAt: expect.any(String) } } });
    const { rows } = await world.server.services.db.owner.query<{ id: string }>(
      "SELECT id FROM users WHERE email = 'outsider@example.test'",
    );
    await expect(
      approver.cab.create.mutate({
        workspace: WS,
        title: 'x',
        startsAt: now,
        endsAt: new Date(now.getTime() + HOUR),
        attendeeIds: [rows[0]!.id],
      }),
    ).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST', fieldErrors: { 'attendeeIds.0': expect.any(String) } },
    });
    expect(await approver.cab.list.query({ workspace: WS })).toHaveLength(1);
    expect(
      await outcome(() =>
        member().cab.create.mutate({ workspace: WS, title: 'x', startsAt: now, endsAt: now }),
      ),
    ).toBe('FORBIDDEN');
  });
});
