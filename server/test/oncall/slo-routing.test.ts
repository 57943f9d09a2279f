import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerInWorkspace } from '@vigilo/tests/support/database';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { withWorkspace } from '../../src/db/tx.ts';
import { runEscalations } from '../../src/oncall/escalation-engine.ts';
import { evaluateSlos } from '../../src/reliability/slo-evaluation.ts';

/**
 * SLO burn-rate alerts page people, through the real server on an injected clock. An SLO over a
 * tag raises alerts with no host, so they route by the SLO's tag as a host carrying it would; an
 * SLO may also name a policy, which wins over any route (and pages with no route in the
 * workspace at all). A policy that is not the workspace's is refused naming the field, by the API
 * and by the database.
 */
const MINUTE = 60_000;
let now = new Date(Math.floor(Date.now() / MINUTE) * MINUTE);
const clock = () => now;
const advance = (minutes: number) => (now = new Date(now.getTime() + minutes * MINUTE));

let world: World;
const users: Record<string, string> = {};
let dbHost = '';
const admin = () => world.client('admin');
const owner = () => world.server.services.db.owner;

async function addHost(hostname: string, tags: string[]): Promise<string> {
  return (await admin().hosts.add.mutate({ workspace: 'acme', hostname, port: 443, tags, agentId: null })).id;
}

/** An hour of failed scans, one a minute, up to now: every burn window burns. */
async function failingHour(hostId: string): Promise<void> {
  const rows = Array.from({ length: 60 }, (_, i) => ({
    id: randomUUID(),
    scanned_at: new Date(now.getTime() - (60 - i) * MINUTE).toISOString(),
  }));
  await ownerInWorkspace(owner(), world.workspace.id, (c) =>
    c.query(
      `INSERT INTO snapshots (id, scanned_at, workspace_id, host_id, agent_id, reachable, body)
       SELECT x.id, x.scanned_at, $2, $3, $4, false, '{}'
       FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, scanned_at timestamptz)`,
      [JSON.stringify(rows), world.workspace.id, hostId, randomUUID()],
    ),
  );
}

/** What the scheduler's minute job does. */
function evaluate() {
  return withWorkspace(
    owner(),
    world.workspace.id,
    { actor: { type: 'system', id: 'test' }, requestId: undefined },
    (tx) => evaluateSlos(tx, now),
  );
}

/** The SLO's open page (its critical burn-rate alert). */
async function pageOf(sloId: string): Promise<string> {
  const { rows } = await ownerInWorkspace(owner(), world.workspace.id, (c) =>
    c.query<{ id: string; host_id: string | null }>(
      "SELECT id, host_id FROM alerts WHERE slo_id = $1 AND severity = 'critical' AND state = 'open'",
      [sloId],
    ),
  );
  expect(rows).toHaveLength(1);
  expect(rows[0]?.host_id).toBeNull();
  return rows[0]!.id;
}

async function escalationOf(alertId: string) {
  const e = await world.client('viewer').escalationPolicies.escalation.query({ workspace: 'acme', alertId });
  return { policy: e?.policyName, pages: (e?.pages ?? []).map((p) => [p.step, p.userId]) };
}

const policy = (name: string, steps: Array<[string, number]>, repeatCount = 0) =>
  admin().escalationPolicies.create.mutate({
    workspace: 'acme',
    name,
    steps: steps.map(([userId, waitMinutes]) => ({
      targets: [{ kind: 'members', userIds: [userId] }],
      waitMinutes,
    })),
    repeatCount,
  });

const sloOverTag = (name: string, tag: string, escalationPolicyId?: string) =>
  admin().slos.create.mutate({
    workspace: 'acme',
    name,
    kind: 'availability',
    scope: { type: 'tag', tag },
    objective: 99.9,
    windowDays: 7,
    ...(escalationPolicyId ? { escalationPolicyId } : {}),
  });

beforeAll(async () => {
  world = await createWorld({ clock });
  for (const m of await admin().members.list.query({ workspace: 'acme' }))
    if (m.status === 'member' && m.email && m.userId) users[m.email.split('@')[0] ?? ''] = m.userId;
});
afterAll(async () => {
  await world?.close();
});

describe('SLO burn-rate alerts page', () => {
  it('the policy their SLO names, in a workspace with no route at all', async () => {
    const payments = await policy('Payments on-call', [[users.approver!, 5]]);
    const slo = await sloOverTag('Payments availability', 'pay', payments.id);
    expect(slo.escalationPolicyId).toBe(payments.id);
    await failingHour(await addHost('pay.example.test', ['pay']));
    await evaluate();
    const alertId = await pageOf(slo.id);

    expect((await runEscalations(owner(), now)).started).toBeGreaterThanOrEqual(1);
    expect(await escalationOf(alertId)).toEqual({
      policy: 'Payments on-call',
      pages: [[0, users.approver]],
    });
  });

  it('the first step of their tag’s policy when the SLO names none, then the next step on the clock', async () => {
    const database = await policy('Database', [
      [users.member!, 5],
      [users.admin!, 10],
    ]);
    await admin().escalationPolicies.route.mutate({ workspace: 'acme', tag: 'db', policyId: database.id });
    const slo = await sloOverTag('Database availability', 'db');
    expect(slo.escalationPolicyId).toBeNull();
    dbHost = await addHost('db.example.test', ['db']);
    await failingHour(dbHost);
    await evaluate();
    const alertId = await pageOf(slo.id);

    await runEscalations(owner(), now);
    expect(await escalationOf(alertId)).toEqual({ policy: 'Database', pages: [[0, users.member]] });
    advance(4);
    await runEscalations(owner(), now);
    expect((await escalationOf(alertId)).pages).toHaveLength(1);
    advance(1);
    await runEscalations(owner(), now);
    expect((await escalationOf(alertId)).pages).toEqual([
      [0, users.member],
      [1, users.admin],
    ]);
  });

  it('the policy their SLO names rather than their tag’s route', async () => {
    const replicas = await policy('Replica owners', [[users.approver!, 5]]);
    // Over the tag routed to Database above, whose host still fails.
    const slo = await sloOverTag('Database replicas', 'db', replicas.id);
    await failingHour(dbHost);
    await evaluate();
    const alertId = await pageOf(slo.id);
    await runEscalations(owner(), now);
    expect(await escalationOf(alertId)).toEqual({ policy: 'Replica owners', pages: [[0, users.approver]] });
  });
});

describe('an SLO’s escalation policy', () => {
  it('is kept by an update that leaves it out, and cleared when the policy is removed', async () => {
    const night = await policy('Night shift', [[users.member!, 5]]);
    const slo = await sloOverTag('Edge availability', 'edge', night.id);
    const renamed = await admin().slos.update.mutate({ workspace: 'acme', id: slo.id, name: 'Edge uptime' });
    expect(renamed).toMatchObject({ name: 'Edge uptime', escalationPolicyId: night.id });
    // A latency SLO renamed alone keeps its threshold the same way.
    const latency = await admin().slos.create.mutate({
      workspace: 'acme',
      name: 'Edge latency',
      kind: 'latency',
      scope: { type: 'tag', tag: 'edge' },
      objective: 99,
      windowDays: 7,
      thresholdMs: 300,
    });
    expect(
      await admin().slos.update.mutate({ workspace: 'acme', id: latency.id, name: 'Edge handshakes' }),
    ).toMatchObject({ thresholdMs: 300 });

    await admin().escalationPolicies.remove.mutate({ workspace: 'acme', id: night.id });
    expect(await admin().slos.status.query({ workspace: 'acme', id: slo.id })).toMatchObject({
      escalationPolicyId: null,
    });
    const cleared = await admin().slos.update.mutate({
      workspace: 'acme',
      id: renamed.id,
      escalationPolicyId: null,
    });
    expect(cleared.escalationPolicyId).toBeNull();
  });

  it('is refused naming the field when it is unknown or another workspace’s, and nothing changes', async () => {
    const outsider = world.client('outsider');
    const [them] = await outsider.members.list.query({ workspace: 'other' });
    const foreign = await outsider.escalationPolicies.create.mutate({
      workspace: 'other',
      name: 'Theirs',
      steps: [{ targets: [{ kind: 'members', userIds: [them?.userId ?? ''] }], waitMinutes: 5 }],
    });
    const slo = await sloOverTag('Search availability', 'search');
    const counts = () =>
      ownerInWorkspace(owner(), world.workspace.id, async (c) => {
        const { rows } = await c.query<{ slos: number; audit: number; policy: string | null }>(
          `SELECT (SELECT count(*)::int FROM slos) AS slos, (SELECT count(*)::int FROM audit_events) AS audit,
                  (SELECT escalation_policy_id FROM slos WHERE id = $1) AS policy`,
          [slo.id],
        );
        return rows[0];
      });
    const before = await counts();
    const refusal = (call: Promise<unknown>) =>
      call.then(
        () => undefined,
        (e: { data?: { code?: string; fieldErrors?: Record<string, string> } }) => e.data,
      );
    for (const escalationPolicyId of [foreign.id, randomUUID()]) {
      // Called one at a time: both made at once, the second's refusal went unhandled while the
      // first was awaited (vitest reported it as an unhandled rejection and failed the run).
      for (const call of [
        () => sloOverTag('Search latency', 'search', escalationPolicyId),
        () => admin().slos.update.mutate({ workspace: 'acme', id: slo.id, escalationPolicyId }),
      ])
        expect(await refusal(call())).toMatchObject({
          code: 'BAD_REQUEST',
          fieldErrors: { escalationPolicyId: 'no such escalation policy in this workspace' },
        });
    }
    expect(
      await refusal(admin().slos.update.mutate({ workspace: 'acme', id: slo.id, escalationPolicyId: 'x' })),
    ).toMatchObject({
      code: 'BAD_REQUEST',
      fieldErrors: { escalationPolicyId: 'escalationPolicyId must be an escalation policy id' },
    });
    expect(await counts()).toEqual(before);

    // The database refuses another workspace's policy too, whatever the code does (0025).
    await expect(
      ownerInWorkspace(owner(), world.workspace.id, (c) =>
        c.query('UPDATE slos SET escalation_policy_id = $2 WHERE id = $1', [slo.id, foreign.id]),
      ),
    ).rejects.toMatchObject({ code: '23503', constraint: 'slos_policy_same_workspace' });
  });
});
