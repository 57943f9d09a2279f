import { AGENT_PATHS } from '@vigilo/shared/agent-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monitoringJobs } from '../../src/jobs/monitoring-jobs.ts';
import { createScheduler } from '../../src/jobs/scheduler.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { ownerInWorkspace } from '@vigilo/tests/support/database';
import { makeSnapshot, uuidv7 } from '@vigilo/tests/support/snapshots';
import { createWorld, type World } from '@vigilo/tests/support/world';

const DAY = 86_400_000;
const RETENTION_DAYS = 400;

/** The injected clock: a fixed start the test moves (snapshots are pushed "back then"). */
const T0 = new Date('2026-11-30T12:00:00Z');
let now = T0;
const clock = () => now;

let world: World;
let agentToken: string;
const hosts: Record<'active' | 'paused' | 'removed', string> = { active: '', paused: '', removed: '' };

/** Pushes snapshots as the agent would, with the server's clock at `at`. */
async function pushAt(at: Date, snapshots: Parameters<typeof makeSnapshot>[0][]) {
  now = at;
  const res = await fetch(`${world.server.url}${AGENT_PATHS.snapshots}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${agentToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      batch_id: uuidv7(at.getTime()),
      agent_version: 't',
      sent_at: at.toISOString(),
      snapshots: snapshots.map((s) => makeSnapshot({ scannedAt: at, ...s })),
    }),
  });
  expect(res.status).toBe(200);
}

/** Every stored snapshot (all workspaces: the test's owner is a superuser), as host and age in days. */
async function stored(): Promise<Array<[string, number]>> {
  const { rows } = await world.server.services.db.owner.query<{ host_id: string; scanned_at: Date }>(
    'SELECT host_id, scanned_at FROM snapshots ORDER BY scanned_at',
  );
  const name = (id: string) => Object.entries(hosts).find(([, v]) => v === id)?.[0] ?? id;
  return rows.map((r) => [
    name(r.host_id),
    Math.round((T0.getTime() - r.scanned_at.getTime()) / (DAY / 10)) / 10,
  ]);
}

async function runRetention(at: Date) {
  now = at;
  const scheduler = createScheduler({
    owner: world.server.services.db.owner,
    jobs: monitoringJobs(world.server.services.db.owner, { retentionDays: RETENTION_DAYS }).filter(
      (j) => j.name === 'snapshot-retention',
    ),
    clock,
    log: createLogger('silent'),
    autoStart: false,
  });
  expect(await scheduler.tick()).toEqual(['snapshot-retention']);
}

const ago = (days: number) => new Date(T0.getTime() - days * DAY);

beforeAll(async () => {
  world = await createWorld({ clock });
  const admin = world.client('admin');
  const { token } = await admin.agents.createEnrollmentToken.mutate({ workspace: 'acme', name: 'dc1' });
  const enroll = await fetch(`${world.server.url}${AGENT_PATHS.enroll}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, name: 'a1', agent_version: 't', platform: 'linux' }),
  });
  const agent = (await enroll.json()) as { agent_token: string; agent_id: string };
  agentToken = agent.agent_token;
  for (const name of Object.keys(hosts) as Array<keyof typeof hosts>)
    hosts[name] = (
      await admin.hosts.add.mutate({
        workspace: 'acme',
        hostname: `${name}.internal`,
        port: 443,
        agentId: agent.agent_id,
      })
    ).id;
});
afterAll(async () => {
  await world?.close();
});

describe('snapshot retention', () => {
  it('deletes snapshots past the retention, whole months and row by row, keeping each host’s latest', async () => {
    const { active, paused, removed } = hosts;
    const cutoff = RETENTION_DAYS;
    // 500 days ago every host is scanned (a month partition that goes whole).
    await pushAt(ago(500), [
      { hostId: active },
      { hostId: paused, certSeed: 'paused-old-chain' },
      { hostId: removed },
    ]);
    // The paused host was last scanned 420 days ago, unreachable: its latest handshake is the one above.
    await pushAt(ago(420), [{ hostId: paused, reachable: false }]);
    // Around the cutoff (in the month the cutoff falls in, which waits to have wholly passed),
    // then recent scans.
    await pushAt(ago(cutoff + 0.1), [{ hostId: active }]);
    await pushAt(ago(cutoff - 0.1), [{ hostId: active }]);
    await pushAt(ago(10), [{ hostId: active }]);
    await pushAt(T0, [{ hostId: active }]);
    await world.client('admin').hosts.remove.mutate({ workspace: 'acme', id: removed });
    expect(await stored()).toHaveLength(8);

    await runRetention(T0);
    expect(await stored()).toEqual([
      ['paused', 500],
      ['paused', 420],
      ['active', cutoff + 0.1],
      ['active', cutoff - 0.1],
      ['active', 10],
      ['active', 0],
    ]);
    // The partition of 500 days ago is gone; its keeper lives on in the default partition.
    const { rows } = await world.server.services.db.owner.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_class WHERE relname = $1`,
      [`snapshots_${ago(500).toISOString().slice(0, 7).replace('-', '_')}`],
    );
    expect(rows[0]?.n).toBe(0);
    // The paused host's detail still shows the chain it served last.
    const history = await world
      .client('viewer')
      .hosts.history.query({ workspace: 'acme', hostId: paused, days: 7 });
    expect(history.latest?.scannedAt).toBe(ago(500).toISOString());

    // Run again later: the keepers stay while they are the latest; once the paused host is
    // scanned again the one kept outside its month goes, and the rest with the cutoff's month.
    await runRetention(new Date(T0.getTime() + 7 * 3_600_000));
    expect((await stored()).filter(([h]) => h === 'paused')).toEqual([
      ['paused', 500],
      ['paused', 420],
    ]);
    const later = new Date(T0.getTime() + DAY);
    await pushAt(later, [{ hostId: paused }]);
    await runRetention(new Date(later.getTime() + 7 * 3_600_000));
    expect((await stored()).filter(([h]) => h === 'paused')).toEqual([
      ['paused', 420],
      ['paused', -1],
    ]);
    // A week on, the cutoff's month (T0 - 400 days) has wholly passed the cutoff: it goes too.
    await runRetention(new Date(T0.getTime() + 7 * DAY));
    expect(await stored()).toEqual([
      ['active', 10],
      ['active', 0],
      ['paused', -1],
    ]);
  });

  it('deletes snoozes that ended more than 30 days ago and keeps the others', async () => {
    const owner = world.server.services.db.owner;
    // Later than the runs above: the job is due again.
    const at = new Date(T0.getTime() + 8 * DAY);
    const before = (days: number) => new Date(at.getTime() - days * DAY);
    await ownerInWorkspace(owner, world.workspace.id, (client) =>
      client.query(
        `INSERT INTO snoozes (workspace_id, host_id, until, created_by) VALUES
           ($1, $2, $3, 'test'), ($1, $2, $4, 'test'), ($1, $2, $5, 'test')`,
        [world.workspace.id, hosts.active, before(31), before(29), before(-1)],
      ),
    );
    await runRetention(at);
    const { rows } = await owner.query<{ until: Date }>('SELECT until FROM snoozes ORDER BY until');
    expect(rows.map((r) => r.until.toISOString())).toEqual([
      before(29).toISOString(),
      before(-1).toISOString(),
    ]);
  });
});
