import { assessRisk, RULE_POINTS } from '@vigilo/shared/change-risk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { CALM, inAcme, seedHost, windowFrom, WS } from './support.ts';

const NONE = { leadTimeHours: undefined, production: [], openProblems: [] };

describe('risk scoring (pure)', () => {
  it('is impact × likelihood from the questionnaire', () => {
    expect(assessRisk(CALM, NONE)).toMatchObject({ level: 'low', score: 1, impact: 1, likelihood: 1 });
    const worst = assessRisk(
      { reach: 'everyone', interruption: 'outage', tested: 'no', rollback: 'impossible', familiar: 'never' },
      NONE,
    );
    expect(worst).toMatchObject({ level: 'high', score: 25, impact: 5, likelihood: 5 });
    expect(assessRisk({ ...CALM, reach: 'some', tested: 'partly' }, NONE)).toMatchObject({
      score: 3 * 2,
      level: 'low',
    });
    expect(assessRisk({ ...CALM, reach: 'everyone', rollback: 'manual' }, NONE)).toMatchObject({
      score: 5 * 2,
      level: 'moderate',
    });
  });

  it('counts an unanswered question as its middle answer, and says so', () => {
    const r = assessRisk({}, NONE);
    expect(r).toMatchObject({ impact: 4, likelihood: 4, score: 16, level: 'high' });
    expect(r.reasons.map((x) => x.code)).toEqual(['questionnaire', 'unanswered']);
  });

  it('raises the risk for a short lead time, production and open problems', () => {
    const short = assessRisk(CALM, { ...NONE, leadTimeHours: 10 });
    expect(short).toMatchObject({ score: 1 + RULE_POINTS.short_lead_time, level: 'moderate' });
    expect(short.reasons[1]).toMatchObject({
      code: 'short_lead_time',
      text: expect.stringContaining('10 h'),
    });
    expect(assessRisk(CALM, { ...NONE, leadTimeHours: 48 }).score).toBe(1);
    const both = assessRisk(CALM, {
      ...NONE,
      production: ['db.example'],
      openProblems: ['critical alert on db.example'],
    });
    expect(both).toMatchObject({
      score: 1 + RULE_POINTS.production + RULE_POINTS.open_problem,
      level: 'high',
    });
    expect(both.reasons.map((r) => r.code)).toEqual(['questionnaire', 'production', 'open_problem']);
  });
});

let now = new Date('2031-05-05T08:00:00.000Z');
let world: World;
beforeAll(async () => {
  world = await createWorld({ clock: () => now });
});
afterAll(async () => {
  await world?.close();
});

const member = () => world.client('member');

/** Opens an alert of `severity` on a host, as the rule engine would. */
async function openAlert(
  hostId: string,
  severity: 'critical' | 'warning',
  state: 'open' | 'resolved' = 'open',
) {
  await inAcme(world, async (q) => {
    const rule = await q<{ id: string }>(
      `INSERT INTO alert_rules (workspace_id, name, predicate, scope, severity)
       VALUES ($1, $2, '{"kind":"expires_within","days":14}', '{"kind":"all"}', $3) RETURNING id`,
      [world.workspace.id, `rule-${hostId}-${severity}-${state}`, severity],
    );
    await q(
      `INSERT INTO alerts (workspace_id, rule_id, host_id, severity, summary, state, opened_at)
       VALUES ($1, $2, $3, $4, 'certificate expires in 3 days', $5, now())`,
      [world.workspace.id, rule.rows[0]!.id, hostId, severity, state],
    );
  });
}

describe('risk of a change, stored and returned with its reasons', () => {
  it('raises it for a production host with an open critical alert', async () => {
    const host = await seedHost(world, ['production']);
    await openAlert(host, 'critical');
    const change = await member().changes.create.mutate({
      workspace: WS,
      title: 'patch the payments host',
      affectedHostIds: [host],
      riskAnswers: CALM,
      ...windowFrom(now),
    });
    expect(change.risk).toMatchObject({ level: 'high', score: 17 });
    expect(change.risk.reasons.map((r) => r.code)).toEqual(['questionnaire', 'production', 'open_problem']);
    expect(change.risk.reasons[2]!.text).toMatch(
      /critical alert on change-host-.*certificate expires in 3 days/,
    );
    const stored = await member().changes.get.query({ workspace: WS, id: change.id });
    expect(stored.risk).toEqual(change.risk);
  });

  it('ignores warnings and resolved alerts; a tag covers its hosts', async () => {
    const host = await seedHost(world, ['edge']);
    await openAlert(host, 'warning');
    await openAlert(host, 'critical', 'resolved');
    const quiet = await member().changes.create.mutate({
      workspace: WS,
      title: 'edge change',
      affectedTags: ['edge'],
      riskAnswers: CALM,
      ...windowFrom(now),
    });
    expect(quiet.risk).toMatchObject({ level: 'low', score: 1 });
    const tagged = await member().changes.create.mutate({
      workspace: WS,
      title: 'everything in production',
      affectedTags: ['production'],
      riskAnswers: CALM,
      ...windowFrom(now),
    });
    expect(tagged.risk.reasons.map((r) => r.code)).toEqual(['questionnaire', 'production', 'open_problem']);
  });

  it('measures the lead time with the server’s clock, again at submission', async () => {
    const change = await member().changes.create.mutate({
      workspace: WS,
      title: 'planned two days and a bit ahead',
      riskAnswers: CALM,
      ...windowFrom(now, 50),
    });
    expect(change.risk).toMatchObject({ level: 'low', score: 1 });
    now = new Date(now.getTime() + 10 * 3_600_000);
    await member().changes.transition.mutate({ workspace: WS, id: change.id, to: 'submitted' });
    const submitted = await member().changes.get.query({ workspace: WS, id: change.id });
    expect(submitted.risk).toMatchObject({ level: 'moderate', score: 7 });
    expect(submitted.risk.reasons[1]).toMatchObject({
      code: 'short_lead_time',
      text: expect.stringContaining('40 h'),
    });
  });

  it('scores again when the answers change before approval', async () => {
    const change = await member().changes.create.mutate({
      workspace: WS,
      title: 'answers later',
      ...windowFrom(now),
    });
    expect(change.risk.level).toBe('high');
    const answered = await member().changes.update.mutate({
      workspace: WS,
      id: change.id,
      revision: change.revision,
      riskAnswers: CALM,
    });
    expect(answered.risk).toMatchObject({ level: 'low', score: 1, answers: CALM });
  });
});

describe('risk and incidents', () => {
  it('raises it for an open incident on an affected host, and not once the incident is resolved', async () => {
    const host = await seedHost(world, ['api']);
    const incident = await member().incidents.create.mutate({
      workspace: WS,
      title: 'API latency',
      severity: 'SEV2',
      hostIds: [host],
    });
    const during = await member().changes.create.mutate({
      workspace: WS,
      title: 'tune the API pool',
      affectedHostIds: [host],
      incidentIds: [incident.id],
      riskAnswers: CALM,
      ...windowFrom(now),
    });
    expect(during.incidentIds).toEqual([incident.id]);
    expect(during.risk.reasons.map((r) => r.code)).toEqual(['questionnaire', 'open_problem']);
    expect(during.risk.reasons[1]!.text).toContain('open SEV2 incident: API latency');
    await member().incidents.transition.mutate({ workspace: WS, id: incident.id, to: 'resolved' });
    const after = await member().changes.create.mutate({
      workspace: WS,
      title: 'tune it again',
      affectedHostIds: [host],
      riskAnswers: CALM,
      ...windowFrom(now),
    });
    expect(after.risk).toMatchObject({ level: 'low', score: 1 });
  });
});
