import path from 'node:path';
import Database from 'better-sqlite3';
import { daysLeft } from '@vigilo/shared/expiry';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent, type TestAgent } from '@vigilo/tests/support/agent';
import { removeDefaultAlertRules } from '@vigilo/tests/support/alerts';
import { makeSnapshot } from '@vigilo/tests/support/snapshots';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { addHost, refreshHistory } from '../src/core/hosts-online.ts';
import { expiryBand, hostDetail, hostList } from '../src/core/replica/inventory.ts';
import { migrateReplica, REPLICA_MIGRATIONS } from '../src/core/replica/migrations.ts';
import { openCore, switchableNetwork, tempDir } from './support/core.ts';

const DAY = 86_400_000;

let world: World;
let agent: TestAgent;
/** The desktop's frozen clock: days left are computed from it, not from the wall clock. */
const now = new Date();
const hosts: Record<string, string> = {};
const cleanups: Array<() => unknown> = [];

/** Adds a host assigned to the test agent and pushes one scan through the real ingest path. */
async function seedHost(
  name: string,
  o: { notAfter?: Date; grade?: 'A+' | 'A' | 'B' | 'F'; tags?: string[] },
) {
  const hostname = `${name}.internal`;
  const { id } = await world
    .client('member')
    .hosts.add.mutate({ workspace: 'acme', hostname, port: 443, agentId: agent.id, tags: o.tags ?? [] });
  hosts[name] = id;
  if (o.notAfter) {
    await agent.push([
      makeSnapshot({
        hostId: id,
        hostname,
        notAfter: o.notAfter,
        grade: o.grade,
        scannedAt: new Date(now.getTime() - 60_000),
      }),
    ]);
  }
}

beforeAll(async () => {
  world = await createWorld();
  // The open-alert counts below come from the rules this test makes.
  await removeDefaultAlertRules(world);
  agent = await enrollAgent(world);
  await world.client('admin').alertRules.create.mutate({
    workspace: 'acme',
    name: 'expiring within a week',
    predicate: { kind: 'expires_within', days: 7 },
    severity: 'critical',
  });
  await seedHost('expired', { notAfter: new Date(now.getTime() - 2 * DAY), grade: 'F', tags: ['legacy'] });
  await seedHost('urgent', {
    notAfter: new Date(now.getTime() + 3 * DAY + 60_000),
    grade: 'B',
    tags: ['prod'],
  });
  await seedHost('soon', {
    notAfter: new Date(now.getTime() + 20 * DAY + 60_000),
    grade: 'A',
    tags: ['prod', 'web'],
  });
  await seedHost('fine', {
    notAfter: new Date(now.getTime() + 200 * DAY + 60_000),
    grade: 'A+',
    tags: ['staging'],
  });
  await seedHost('blank', {});
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await world?.close();
});

function core(who = 'member', network = switchableNetwork()) {
  const tmp = tempDir();
  const opened = openCore({
    dataDir: tmp.dir,
    serverUrl: world.server.url,
    workspace: 'acme',
    token: world.tokens[who]!,
    clock: () => now,
    fetch: network.fetch,
  });
  cleanups.push(() => tmp.cleanup());
  cleanups.push(() => opened.core.close());
  return { ...opened, network };
}

const names = (rows: Array<{ hostname: string }>) => rows.map((r) => r.hostname.replace('.internal', ''));
const ours = <T extends { id: string }>(rows: T[]) => rows.filter((r) => Object.values(hosts).includes(r.id));

describe('the host list over a real replica', () => {
  it('shows one row per host, soonest expiry first, with its band, grade, tags and open alerts', async () => {
    const { core: c } = core();
    await c.engine.syncNow();
    const rows = ours(hostList(c.db, {}, now));
    expect(names(rows)).toEqual(['expired', 'urgent', 'soon', 'fine', 'blank']);
    expect(rows.map((r) => [r.band, r.daysLeft, r.grade])).toEqual([
      ['expired', -2, 'F'],
      ['under-7', 3, 'B'],
      ['7-30', 20, 'A'],
      ['over-30', 200, 'A+'],
      ['unknown', null, null],
    ]);
    expect(rows[2]).toMatchObject({
      port: 443,
      tags: ['prod', 'web'],
      paused: false,
      reachable: true,
      subject: 'CN=soon.internal',
      snoozedUntil: null,
      pending: false,
    });
    expect(rows.map((r) => r.openAlerts)).toEqual([1, 1, 0, 0, 0]);
  });

  it('filters by text over hostname, tags and subject, by tag, grade, band and paused', async () => {
    const { core: c } = core();
    await c.engine.syncNow();
    const list = (f: Parameters<typeof hostList>[1]) => names(ours(hostList(c.db, f, now)));
    expect(list({ text: 'URGENT' })).toEqual(['urgent']);
    expect(list({ text: 'staging' })).toEqual(['fine']);
    expect(list({ text: 'cn=soon' })).toEqual(['soon']);
    expect(list({ tag: 'prod' })).toEqual(['urgent', 'soon']);
    expect(list({ grade: 'A+' })).toEqual(['fine']);
    expect(list({ band: '7-30' })).toEqual(['soon']);
    expect(list({ band: 'expired', tag: 'legacy' })).toEqual(['expired']);
    expect(list({ paused: true })).toEqual([]);
  });

  it('gives the host detail with its certificate, and keeps the fetched history for offline use', async () => {
    const { core: c, network } = core();
    await c.engine.syncNow();
    const before = hostDetail(c.db, hosts.soon!, now);
    expect(before).toMatchObject({
      hostname: 'soon.internal',
      intervalS: 3600,
      certificate: {
        subject: 'CN=soon.internal',
        issuer: 'CN=Internal CA',
        keyAlgorithm: 'EC',
        sans: ['soon.internal'],
      },
      history: undefined,
    });
    const online = await refreshHistory(c, hosts.soon!, 30);
    expect(online).toMatchObject({ source: 'server', error: undefined });
    expect(online.history?.points).toHaveLength(30);
    expect(online.history?.points.at(-1)).toMatchObject({ grade: 'A', reachable: true, scans: 1 });
    expect(online.history?.latest?.chain[0]).toMatchObject({ subject: 'CN=soon.internal' });

    network.online = false;
    const offline = await refreshHistory(c, hosts.soon!, 30);
    expect(offline).toMatchObject({ source: 'cache', error: 'cannot reach the server' });
    expect(offline.history).toEqual(online.history);
    expect(hostDetail(c.db, hosts.soon!, now)?.history).toEqual(online.history);
    expect(hostDetail(c.db, 'no-such-host', now)).toBeNull();
  });

  it('adds a host online, and says plainly that it cannot offline', async () => {
    const { core: c, network } = core();
    const added = await addHost(c, { hostname: 'new-one.internal', port: 8443, tags: ['fresh'] });
    expect(added).toMatchObject({ ok: true });
    await c.engine.syncNow();
    expect(hostList(c.db, { tag: 'fresh' }, now)).toEqual([
      expect.objectContaining({ hostname: 'new-one.internal', port: 8443, band: 'unknown' }),
    ]);
    const dup = await addHost(c, { hostname: 'new-one.internal', port: 8443, tags: [] });
    expect(dup).toMatchObject({
      ok: false,
      reason: 'refused',
      message: 'new-one.internal:8443 is already monitored',
    });
    network.online = false;
    expect(await addHost(c, { hostname: 'later.internal', port: 443, tags: [] })).toEqual({
      ok: false,
      reason: 'offline',
      message: 'adding a host needs the server, which cannot be reached: try again when online',
    });
  });
});

describe('host actions through the outbox', () => {
  it('pauses offline at once, then applies it when the network returns', async () => {
    const { core: c, network } = core();
    await c.engine.syncNow();
    network.online = false;
    c.act({ kind: 'host.pause', args: { hostId: hosts.fine! } });
    expect(hostList(c.db, { paused: true }, now)).toEqual([
      expect.objectContaining({ id: hosts.fine, paused: true, pending: true }),
    ]);
    await c.engine.syncNow();
    expect(c.engine.state()).toMatchObject({ connection: 'offline', outboxDepth: 1 });

    network.online = true;
    await c.engine.syncNow();
    expect(c.engine.state()).toMatchObject({ connection: 'online', outboxDepth: 0, conflicts: [] });
    expect(hostDetail(c.db, hosts.fine!, now)).toMatchObject({ paused: true, pending: false });
    const server = await world.client('viewer').hosts.list.query({ workspace: 'acme' });
    expect(server.find((h) => h.id === hosts.fine)?.active).toBe(false);

    c.act({ kind: 'host.resume', args: { hostId: hosts.fine! } });
    await c.engine.syncNow();
    expect(hostDetail(c.db, hosts.fine!, now)).toMatchObject({ paused: false, pending: false });
  });

  it('shows an offline snooze at once, then the server snooze replaces the local mark', async () => {
    const { core: c, network } = core();
    await c.engine.syncNow();
    network.online = false;
    c.act({ kind: 'host.snooze', args: { hostId: hosts.urgent!, duration: '1d' } });
    const local = hostDetail(c.db, hosts.urgent!, now);
    expect(local).toMatchObject({ pending: true, snoozedUntil: new Date(now.getTime() + DAY).toISOString() });

    network.online = true;
    await c.engine.syncNow();
    const synced = hostDetail(c.db, hosts.urgent!, now)!;
    expect(synced.pending).toBe(false);
    expect(c.store.row('hosts', hosts.urgent!)).not.toHaveProperty('snoozed_until');
    // The server counted the day from when it applied the snooze (its own clock).
    expect(Date.parse(synced.snoozedUntil!)).toBeGreaterThan(now.getTime() + DAY - 60_000);
  });

  it('rolls a refused pause back and explains it: the host was removed meanwhile', async () => {
    const { hostname } = { hostname: 'doomed.internal' };
    const { id } = await world
      .client('member')
      .hosts.add.mutate({ workspace: 'acme', hostname, port: 443, agentId: agent.id });
    const { core: c, network } = core();
    await c.engine.syncNow();
    network.online = false;
    c.act({ kind: 'host.pause', args: { hostId: id } });
    expect(hostDetail(c.db, id, now)).toMatchObject({ paused: true, pending: true });
    await world.client('admin').hosts.remove.mutate({ workspace: 'acme', id });
    network.online = true;
    await c.engine.syncNow();
    expect(c.engine.state()).toMatchObject({
      outboxDepth: 0,
      conflicts: [
        expect.objectContaining({ kind: 'host.pause', reason: 'not_found', message: 'the host was removed' }),
      ],
    });
    expect(hostDetail(c.db, id, now)).toBeNull();
  });

  it('rolls a refused pause back to the server state when the role was lost', async () => {
    const { core: c, network } = core();
    await c.engine.syncNow();
    network.online = false;
    c.act({ kind: 'host.pause', args: { hostId: hosts.soon! } });
    expect(hostDetail(c.db, hosts.soon!, now)).toMatchObject({ paused: true });
    await world
      .client('owner')
      .members.setRole.mutate({ workspace: 'acme', email: 'member@example.test', role: 'viewer' });
    try {
      network.online = true;
      await c.engine.syncNow();
      expect(c.engine.state().conflicts).toEqual([
        expect.objectContaining({ kind: 'host.pause', reason: 'forbidden' }),
      ]);
      expect(hostDetail(c.db, hosts.soon!, now)).toMatchObject({ paused: false, pending: false });
    } finally {
      await world
        .client('owner')
        .members.setRole.mutate({ workspace: 'acme', email: 'member@example.test', role: 'member' });
    }
  });
});

describe('replica migration 3', () => {
  it('upgrades a version-2 replica with its rows in place and adds the inventory views', () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const db = new Database(path.join(dir, 'v2.sqlite'));
    cleanups.push(() => db.close());
    for (const m of REPLICA_MIGRATIONS.filter((m) => m.version <= 2)) db.exec(m.sql);
    db.pragma('user_version = 2');
    const put = db.prepare('INSERT INTO records (tbl, id, data) VALUES (?, ?, ?)');
    put.run(
      'hosts',
      'h1',
      JSON.stringify({ hostname: 'old.internal', port: 443, tags: ['x'], active: true }),
    );
    put.run(
      'host_status',
      'h1',
      JSON.stringify({ grade: 'A', reachable: true, fingerprint: 'AA', not_after: null }),
    );
    put.run(
      'certificates',
      'AA',
      JSON.stringify({
        subject: 'CN=old',
        issuer: 'CN=ca',
        sans: [],
        not_after: new Date(now.getTime() + 40 * DAY).toISOString(),
      }),
    );
    put.run(
      'snoozes',
      's1',
      JSON.stringify({ host_id: 'h1', rule_id: null, until: new Date(now.getTime() + DAY).toISOString() }),
    );

    expect(migrateReplica(db)).toMatchObject({ from: 2 });
    expect(db.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(3);
    expect(hostList(db, {}, now)).toEqual([
      expect.objectContaining({
        hostname: 'old.internal',
        grade: 'A',
        band: 'over-30',
        daysLeft: 40,
        snoozedUntil: expect.any(String),
      }),
    ]);
    expect(db.prepare('SELECT count(*) AS n FROM host_history').get()).toEqual({ n: 0 });
  });
});

describe('days left and expiry bands', () => {
  it('counts days by the shared rule (negative once expired) and puts the boundaries in the right band', () => {
    const at = (ms: number) => new Date(now.getTime() + ms).toISOString();
    const cases: Array<[number, number, string]> = [
      [31 * DAY, 31, 'over-30'],
      [30 * DAY + 3_600_000, 30, '7-30'],
      [7 * DAY, 7, '7-30'],
      [7 * DAY - 1, 6, 'under-7'],
      [60_000, 0, 'under-7'],
      [0, 0, 'expired'],
      [-60_000, -1, 'expired'],
      [-3.5 * DAY, -4, 'expired'],
    ];
    for (const [ms, days, band] of cases) {
      expect([daysLeft(at(ms), now), expiryBand(at(ms), now)]).toEqual([days, band]);
    }
    expect(expiryBand(null, now)).toBe('unknown');
  });
});
