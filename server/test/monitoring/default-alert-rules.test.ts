import { AGENT_PATHS } from '@vigilo/shared/agent-protocol';
import { DEFAULT_ALERT_RULES } from '@vigilo/shared/default-alert-rules';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSnapshot, uuidv7 } from '@vigilo/tests/support/snapshots';
import { createWorld, type World } from '@vigilo/tests/support/world';

const DAY = 86_400_000;

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => {
  await world?.close();
});

/** Enrolls an agent in `workspace` the way the agent does; returns its bearer token and id. */
async function enroll(workspace: string, who: string) {
  const { token } = await world.client(who).agents.createEnrollmentToken.mutate({ workspace, name: 'dc1' });
  const res = await fetch(`${world.server.url}${AGENT_PATHS.enroll}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, name: 'scanner', agent_version: 't', platform: 'linux' }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { agent_token: string; agent_id: string };
}

describe('default alert rules', () => {
  it('are in every new workspace, each created with its audit row', async () => {
    const rules = await world.client('admin').alertRules.list.query({ workspace: 'acme' });
    expect(
      rules.map((r) => ({ name: r.name, predicate: r.predicate, severity: r.severity })).sort(byName),
    ).toEqual([...DEFAULT_ALERT_RULES].sort(byName));
    for (const r of rules) expect(r).toMatchObject({ scope: { kind: 'all' }, enabled: true, openAfter: 1 });
    // Created by the workspace's creator, in the workspace's own log, like a rule made by hand.
    const audit = await world
      .client('owner')
      .audit.list.query({ workspace: 'acme', filter: { action: 'alert_rule.created' } });
    expect(audit.rows.map((r) => r.targetId).sort()).toEqual(rules.map((r) => r.id).sort());
    expect(new Set(audit.rows.map((r) => r.actorType))).toEqual(new Set(['user']));
    // The other workspace has its own set, not acme's.
    const other = await world.client('outsider').alertRules.list.query({ workspace: 'other' });
    expect(other).toHaveLength(DEFAULT_ALERT_RULES.length);
    expect(other.map((r) => r.id).filter((id) => rules.some((r) => r.id === id))).toEqual([]);
  });

  it('open a critical alert for a certificate expiring in 2 days with no rule set up by hand', async () => {
    const ws = 'other';
    const who = 'outsider';
    const agent = await enroll(ws, who);
    const { id: hostId } = await world
      .client(who)
      .hosts.add.mutate({ workspace: ws, hostname: 'soon.internal', port: 443, agentId: agent.agent_id });
    const now = new Date();
    const push = await fetch(`${world.server.url}${AGENT_PATHS.snapshots}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agent.agent_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        batch_id: uuidv7(),
        agent_version: 't',
        sent_at: now.toISOString(),
        snapshots: [
          makeSnapshot({
            hostId,
            hostname: 'soon.internal',
            notAfter: new Date(now.getTime() + 2 * DAY + 60_000),
          }),
        ],
      }),
    });
    expect(push.status).toBe(200);
    const { alerts } = await world.client(who).alerts.list.query({ workspace: ws, hostId, state: 'open' });
    expect(
      alerts.map((a) => ({ rule: a.ruleName, severity: a.severity, summary: a.summary })).sort(byRule),
    ).toEqual([
      {
        rule: 'Certificate expires within 30 days',
        severity: 'warning',
        summary: 'certificate expires in 2 day(s)',
      },
      {
        rule: 'Certificate expires within 7 days',
        severity: 'critical',
        summary: 'certificate expires in 2 day(s)',
      },
    ]);
  });

  it('are edited and removed like any rule', async () => {
    const admin = world.client('admin');
    const rules = await admin.alertRules.list.query({ workspace: 'acme' });
    const grade = rules.find((r) => r.predicate.kind === 'grade_below');
    const agent = rules.find((r) => r.predicate.kind === 'agent_offline');
    if (!grade || !agent) throw new Error('default rules missing');
    const edited = await admin.alertRules.update.mutate({
      workspace: 'acme',
      id: grade.id,
      predicate: { kind: 'grade_below', grade: 'A' },
      severity: 'critical',
    });
    expect(edited).toMatchObject({
      id: grade.id,
      predicate: { kind: 'grade_below', grade: 'A' },
      severity: 'critical',
    });
    await admin.alertRules.remove.mutate({ workspace: 'acme', id: agent.id });
    const after = await admin.alertRules.list.query({ workspace: 'acme' });
    expect(after.map((r) => r.id)).not.toContain(agent.id);
    expect(after).toHaveLength(DEFAULT_ALERT_RULES.length - 1);
  });
});

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
const byRule = (a: { rule: string }, b: { rule: string }) => a.rule.localeCompare(b.rule);
