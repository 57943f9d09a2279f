import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { type Dispatcher, startDispatcher } from '../../src/events/dispatcher.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { scopedQuery } from '../incidents/scoped-db.ts';

/**
 * Live risk signals: incidents opened through the API on a host linked to a risk become signals
 * on the risk when the dispatcher passes their events, and the risk is flagged for re-assessment
 * once its threshold is reached within its period; re-assessing clears the flag and counting
 * starts again. The dispatcher is driven by hand (runOnce) so the test is deterministic.
 */
let world: World;
let dispatcher: Dispatcher;
let linked: string;
let unlinked: string;
beforeAll(async () => {
  world = await createWorld();
  dispatcher = startDispatcher({
    owner: world.server.services.db.owner,
    bus: world.server.services.bus,
    log: createLogger('silent'),
    autoStart: false,
  });
  const member = world.client('member');
  ({ id: linked } = await member.hosts.add.mutate({
    workspace: 'acme',
    hostname: 'pay.internal',
    port: 443,
  }));
  ({ id: unlinked } = await member.hosts.add.mutate({
    workspace: 'acme',
    hostname: 'wiki.internal',
    port: 443,
  }));
});
afterAll(async () => {
  await dispatcher?.stop();
  await world?.close();
});

const incidentOn = (hostId: string, title: string) =>
  world
    .client('member')
    .incidents.create.mutate({ workspace: 'acme', title, severity: 'SEV3', hostIds: [hostId] });
/** A change on the linked host taken through approval to `end`, the way people would. */
async function changeEnding(end: 'failed' | 'completed'): Promise<string> {
  const member = world.client('member');
  const start = new Date(Date.now() + 72 * 3_600_000);
  const { id } = await member.changes.create.mutate({
    workspace: 'acme',
    title: `payments config (${end})`,
    riskAnswers: {
      reach: 'team',
      interruption: 'none',
      tested: 'yes',
      rollback: 'automatic',
      familiar: 'routine',
    },
    plannedStart: start,
    plannedEnd: new Date(start.getTime() + 7_200_000),
    affectedHostIds: [linked],
  });
  const move = (to: 'submitted' | 'scheduled' | 'implementing' | 'failed' | 'completed') =>
    member.changes.transition.mutate({ workspace: 'acme', id, to });
  await move('submitted');
  const { approvals } = await member.changes.get.query({ workspace: 'acme', id });
  await world
    .client('approver')
    .approvals.decide.mutate({ workspace: 'acme', requestId: approvals[0]!.requestId, decision: 'approve' });
  await move('scheduled');
  await move('implementing');
  await move(end);
  return id;
}
const riskOf = (id: string) => world.client('approver').risks.get.query({ workspace: 'acme', id });

describe('live risk signals', () => {
  it('flags a risk for re-assessment once incidents on its host reach the threshold', async () => {
    const risk = await world.client('approver').risks.create.mutate({
      workspace: 'acme',
      title: 'Payments unavailable',
      category: 'availability',
      likelihood: 2,
      impact: 5,
      hostIds: [linked],
      signalThreshold: 2,
      signalPeriodDays: 30,
    });

    await incidentOn(unlinked, 'Wiki slow');
    const first = await incidentOn(linked, 'Payments timing out');
    await dispatcher.runOnce();
    let got = await riskOf(risk.id);
    expect(got.signals).toMatchObject([
      { kind: 'incident', sourceId: first.id, hostId: linked, summary: 'Payments timing out' },
    ]);
    expect(got.needsReassessment).toBe(false);

    // Linking the same incident again (another event about it) is not a second signal.
    await world
      .client('member')
      .incidents.link.mutate({ workspace: 'acme', id: first.id, hostIds: [unlinked] });
    await incidentOn(linked, 'Payments down');
    await dispatcher.runOnce();
    await dispatcher.runOnce(); // the flag's own events pass too; nothing is counted twice
    got = await riskOf(risk.id);
    expect(got.signals).toHaveLength(2);
    expect(got.needsReassessment).toBe(true);
    expect(got.flaggedAt).not.toBeNull();
    expect(got.history.at(-1)).toMatchObject({ kind: 'flagged', detail: { signals: 2, threshold: 2 } });
    const signals = await world.client('auditor').risks.signals.query({ workspace: 'acme', id: risk.id });
    expect(signals.map((s) => s.summary).sort()).toEqual(['Payments down', 'Payments timing out']);

    const audit = await scopedQuery<{ action: string; actor_id: string }>(
      world,
      "SELECT action, actor_id FROM audit_events WHERE target_id = $1 AND action LIKE 'risk.%' ORDER BY seq",
      [risk.id],
    );
    expect(audit.map((a) => a.action)).toEqual([
      'risk.created',
      'risk.signal_recorded',
      'risk.signal_recorded',
      'risk.flagged',
    ]);
    expect(audit.slice(1).every((a) => a.actor_id === 'risk-signals')).toBe(true);
    const events = await scopedQuery(
      world,
      "SELECT 1 FROM events WHERE type = 'risk.flagged' AND payload->>'riskId' = $1",
      [risk.id],
    );
    expect(events).toHaveLength(1);

    // Re-assessing clears the flag; signals before it no longer count towards the next one.
    const reassessed = await world
      .client('approver')
      .risks.update.mutate({ workspace: 'acme', id: risk.id, likelihood: 4 });
    expect(reassessed.needsReassessment).toBe(false);
    await incidentOn(linked, 'Payments flapping');
    await dispatcher.runOnce();
    got = await riskOf(risk.id);
    expect(got.signals).toHaveLength(3);
    expect(got.needsReassessment).toBe(false);
  });

  it('records a failed change on a linked host as a signal, not one that completes', async () => {
    const risk = await world.client('approver').risks.create.mutate({
      workspace: 'acme',
      title: 'Payments misconfigured',
      category: 'change',
      likelihood: 3,
      impact: 4,
      hostIds: [linked],
      signalThreshold: 1,
    });
    const failed = await changeEnding('failed');
    await changeEnding('completed');
    await dispatcher.runOnce();
    const got = await riskOf(risk.id);
    expect(got.signals.filter((s) => s.kind === 'failed_change')).toMatchObject([
      { sourceId: failed, hostId: linked },
    ]);
    expect(got.needsReassessment).toBe(true);
  });

  it('records nothing for a risk without linked hosts', async () => {
    const risk = await world.client('approver').risks.create.mutate({
      workspace: 'acme',
      title: 'Unrelated',
      category: 'legal',
      likelihood: 1,
      impact: 1,
    });
    await incidentOn(linked, 'Another payments incident');
    await dispatcher.runOnce();
    expect((await riskOf(risk.id)).signals).toEqual([]);
  });
});
