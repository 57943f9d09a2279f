import { randomUUID } from 'node:crypto';
import type { PushEntryInput } from '@vigilo/shared/outbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent, type TestAgent } from '@vigilo/tests/support/agent';
import { outcome } from '@vigilo/tests/support/client';
import { makeSnapshot } from '@vigilo/tests/support/snapshots';
import { createWorld, type World } from '@vigilo/tests/support/world';

const DAY = 86_400_000;

let world: World;
let agent: TestAgent;
beforeAll(async () => {
  world = await createWorld();
  agent = await enrollAgent(world);
});
afterAll(async () => {
  await world?.close();
});

let n = 0;
async function addHost(tags: string[] = []): Promise<{ id: string; hostname: string }> {
  const hostname = `svc-${++n}-${Date.now()}.internal`;
  const { id } = await world
    .client('member')
    .hosts.add.mutate({ workspace: 'acme', hostname, port: 443, agentId: agent.id, tags });
  return { id, hostname };
}

const push = (clientId: string, kind: string, args: unknown, who = 'member') =>
  world
    .client(who)
    // Raw entries, some outside the contract on purpose: the server answers each one itself.
    .sync.push.mutate({ workspace: 'acme', mutations: [{ clientId, kind, args } as PushEntryInput] })
    .then((r) => r[0]!);

const auditCount = async (action: string, targetId: string) => {
  const { rows } = await world
    .client('owner')
    .audit.list.query({ workspace: 'acme', filter: { action, targetId } });
  return rows.length;
};

describe('hosts.history: one point per day from the snapshots', () => {
  it('gives the worst grade and reachability per UTC day, gaps included, and the latest chain', async () => {
    const host = await addHost();
    const now = new Date();
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const at = (daysAgo: number, hour: number) => new Date(today - daysAgo * DAY + hour * 3_600_000);
    const snap = (daysAgo: number, hour: number, o: { grade?: 'A' | 'C' | 'T'; reachable?: boolean } = {}) =>
      makeSnapshot({ hostId: host.id, hostname: host.hostname, scannedAt: at(daysAgo, hour), ...o });
    await agent.push([
      snap(5, 1, { grade: 'A' }),
      snap(5, 9, { grade: 'C' }),
      snap(3, 4, { reachable: false }),
      snap(1, 2, { grade: 'T' }),
      snap(1, 3, { grade: 'A' }),
      snap(0, 0, { grade: 'A' }),
      snap(40, 1, { grade: 'C' }), // outside the window
    ]);

    const h = await world
      .client('viewer')
      .hosts.history.query({ workspace: 'acme', hostId: host.id, days: 7 });
    expect(h.points.map((p) => p.day)).toEqual(
      [6, 5, 4, 3, 2, 1, 0].map((d) => new Date(today - d * DAY).toISOString().slice(0, 10)),
    );
    expect(h.points.map((p) => [p.grade, p.reachable, p.scans])).toEqual([
      [null, null, 0],
      ['C', true, 2],
      [null, null, 0],
      [null, false, 1],
      [null, null, 0],
      ['T', true, 2], // T (untrusted) ranks below every letter
      ['A', true, 1],
    ]);
    expect(h.latest).toMatchObject({
      chain: [expect.objectContaining({ subject: `CN=${host.hostname}`, issuer: 'CN=Internal CA' })],
      validation: { trusted: true, problems: [] },
      posture: { negotiatedProtocol: 'TLSv1.3', hostnameMatch: true, ocspStapled: false },
    });
    const month = await world.client('viewer').hosts.history.query({ workspace: 'acme', hostId: host.id });
    expect(month.points).toHaveLength(30);
  });

  it('answers a host without scans with empty days, and refuses bad input and unknown hosts', async () => {
    const host = await addHost();
    const h = await world
      .client('member')
      .hosts.history.query({ workspace: 'acme', hostId: host.id, days: 1 });
    expect(h).toMatchObject({ days: 1, points: [{ grade: null, reachable: null, scans: 0 }], latest: null });
    const history = world.client('member').hosts.history;
    expect(await outcome(() => history.query({ workspace: 'acme', hostId: host.id, days: 0 }))).toBe(
      'BAD_REQUEST',
    );
    expect(await outcome(() => history.query({ workspace: 'acme', hostId: host.id, days: 91 }))).toBe(
      'BAD_REQUEST',
    );
    expect(await outcome(() => history.query({ workspace: 'acme', hostId: randomUUID() }))).toBe('NOT_FOUND');
    expect(
      await outcome(() =>
        world.client('auditor').hosts.history.query({ workspace: 'acme', hostId: host.id }),
      ),
    ).toBe('FORBIDDEN');
    // Another workspace's member cannot reach acme's host, whatever the id.
    expect(
      await outcome(() =>
        world.client('outsider').hosts.history.query({ workspace: 'other', hostId: host.id }),
      ),
    ).toBe('NOT_FOUND');
  });
});

describe('sync.push host kinds', () => {
  it('pauses once per client id, with its audit row, and resumes', async () => {
    const host = await addHost();
    const clientId = randomUUID();
    const first = await push(clientId, 'host.pause', { hostId: host.id });
    expect(first).toMatchObject({
      status: 'applied',
      replayed: false,
      value: { id: host.id, active: false },
    });
    const again = await Promise.all([1, 2, 3].map(() => push(clientId, 'host.pause', { hostId: host.id })));
    for (const r of again) expect(r).toMatchObject({ status: 'applied', replayed: true });
    expect(await auditCount('host.paused', host.id)).toBe(1);
    const listed = await world.client('viewer').hosts.list.query({ workspace: 'acme' });
    expect(listed.find((h) => h.id === host.id)?.active).toBe(false);

    expect(await push(randomUUID(), 'host.resume', { hostId: host.id })).toMatchObject({ status: 'applied' });
    expect(await auditCount('host.resumed', host.id)).toBe(1);
    const after = await world.client('viewer').hosts.list.query({ workspace: 'acme' });
    expect(after.find((h) => h.id === host.id)?.active).toBe(true);
  });

  it('snoozes a host from the server clock, once, and replicates the snooze', async () => {
    const host = await addHost();
    const before = Date.now();
    const clientId = randomUUID();
    const r = await push(clientId, 'host.snooze', { hostId: host.id, duration: '1d' });
    if (r.status !== 'applied') throw new Error(`not applied: ${r.message}`);
    const until = Date.parse(String(r.value.until));
    expect(until).toBeGreaterThanOrEqual(before + DAY - 1000);
    expect(until).toBeLessThanOrEqual(Date.now() + DAY + 1000);
    expect(await push(clientId, 'host.snooze', { hostId: host.id, duration: '1d' })).toMatchObject({
      replayed: true,
    });
    expect(await auditCount('alert.snoozed', host.id)).toBe(1);
    const { changes } = await world.client('viewer').sync.pull.query({ workspace: 'acme', limit: 5000 });
    const snoozes = changes.filter((c) => c.table === 'snoozes' && c.row?.host_id === host.id);
    expect(snoozes).toHaveLength(1);
    expect(snoozes[0]?.row).toMatchObject({ rule_id: null });
  });

  it('refuses actions on a removed host as not_found, and by role and bad arguments', async () => {
    const host = await addHost();
    await world.client('admin').hosts.remove.mutate({ workspace: 'acme', id: host.id });
    for (const [kind, args] of [
      ['host.pause', { hostId: host.id }],
      ['host.resume', { hostId: host.id }],
      ['host.snooze', { hostId: host.id, duration: '1h' }],
    ] as const) {
      expect(await push(randomUUID(), kind, args)).toMatchObject({
        status: 'conflict',
        reason: 'not_found',
        message: 'the host was removed',
      });
    }
    const live = await addHost();
    expect(await push(randomUUID(), 'host.pause', { hostId: live.id }, 'viewer')).toMatchObject({
      status: 'conflict',
      reason: 'forbidden',
    });
    const bad = await push(randomUUID(), 'host.snooze', { hostId: live.id, duration: '1y' });
    expect(bad).toMatchObject({ status: 'conflict', reason: 'invalid' });
    expect((bad as { message: string }).message).toMatch(/duration/);
    expect(await auditCount('host.paused', live.id)).toBe(0);
  });
});
