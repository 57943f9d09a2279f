import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent, type TestAgent } from '@vigilo/tests/support/agent';
import { makeSnapshot } from '@vigilo/tests/support/snapshots';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { removeDefaultAlertRules } from '@vigilo/tests/support/alerts';

/**
 * The control tests that read monitoring: production hosts covered by an expiry rule, no
 * production endpoint accepting TLS 1.0/1.1, none grading below B, and the audit chain. Each
 * against data built to pass, then changed to fail, through the real API and the agent's ingest
 * path (no real TLS 1.0 server: the snapshot says what a scan of one would).
 */
const WS = 'acme';
let world: World;
let agent: TestAgent;
let prodA: string;
let prodB: string;
let staging: string;

const run = async (testId: string) => {
  const [result] = await world
    .client('approver')
    .controlTests.run.mutate({ workspace: WS, testIds: [testId as 'production_grade_b'] });
  return result!;
};

/** A scan of `hostId` as its agent pushes it, with the protocols and grade given. */
async function scan(hostId: string, o: { grade?: 'A' | 'B' | 'C'; tls10?: boolean; tls11?: boolean } = {}) {
  const snapshot = makeSnapshot({
    hostId,
    hostname: `h-${hostId.slice(0, 8)}.internal`,
    grade: o.grade ?? 'A',
  });
  if (snapshot.tls) {
    snapshot.tls.protocols = {
      ...snapshot.tls.protocols,
      TLSv1: o.tls10 ? 'accepted' : 'rejected',
      'TLSv1.1': o.tls11 ? 'accepted' : 'rejected',
    };
  }
  await agent.push([snapshot]);
}

beforeAll(async () => {
  world = await createWorld();
  // Its alerts come from the rules it makes; the defaults would open more.
  await removeDefaultAlertRules(world);
  agent = await enrollAgent(world, 'dc1');
  const member = world.client('member');
  const add = async (hostname: string, tags: string[]) =>
    (await member.hosts.add.mutate({ workspace: WS, hostname, port: 443, agentId: agent.id, tags })).id;
  prodA = await add('shop.example.test', ['production', 'web']);
  prodB = await add('api.example.test', ['production']);
  staging = await add('staging.example.test', ['staging']);
});
afterAll(async () => {
  await world?.close();
});

describe('production_expiry_alerts', () => {
  it('is not applicable without production hosts, passes when every one is in an expiry rule, fails when one is not', async () => {
    const admin = world.client('admin');
    // No rule yet: both production hosts uncovered; the staging host is not looked at.
    const none = await run('production_expiry_alerts');
    expect(none.status).toBe('fail');
    expect(none.subjects.map((s) => [s.id, s.ok]).sort()).toEqual(
      [
        [prodA, false],
        [prodB, false],
      ].sort(),
    );

    const web = await admin.alertRules.create.mutate({
      workspace: WS,
      name: 'web expiry',
      predicate: { kind: 'expires_within', days: 21 },
      scope: { kind: 'tag', tag: 'web' },
      severity: 'warning',
    });
    const half = await run('production_expiry_alerts');
    expect(half.status).toBe('fail');
    expect(half.subjects).toEqual([
      expect.objectContaining({ id: prodB, ok: false, fields: expect.objectContaining({ rules: null }) }),
      expect.objectContaining({
        id: prodA,
        ok: true,
        fields: expect.objectContaining({ rules: 'web expiry' }),
      }),
    ]);
    // A rule of another kind does not count.
    await admin.alertRules.create.mutate({
      workspace: WS,
      name: 'api grade',
      predicate: { kind: 'grade_below', grade: 'B' },
      scope: { kind: 'host', hostId: prodB },
      severity: 'warning',
    });
    expect((await run('production_expiry_alerts')).status).toBe('fail');
    await admin.alertRules.create.mutate({
      workspace: WS,
      name: 'api expiry',
      predicate: { kind: 'expires_within', days: 30 },
      scope: { kind: 'host', hostId: prodB },
      severity: 'critical',
    });
    const pass = await run('production_expiry_alerts');
    expect(pass).toMatchObject({
      status: 'pass',
      summary: 'All 2 production host(s) are covered by an expiry alert rule.',
    });

    // A disabled rule covers nothing.
    await admin.alertRules.update.mutate({ workspace: WS, id: web.id, enabled: false });
    const failed = await run('production_expiry_alerts');
    expect(failed.status).toBe('fail');
    expect(failed.subjects[0]).toMatchObject({ id: prodA, ok: false });
    await admin.alertRules.update.mutate({ workspace: WS, id: web.id, enabled: true });
    expect((await run('production_expiry_alerts')).status).toBe('pass');
  });
});

describe('production_no_legacy_tls', () => {
  it('is not applicable before a scan, passes on TLS 1.2+, fails when a production endpoint accepts TLS 1.0 or 1.1', async () => {
    expect((await run('production_no_legacy_tls')).status).toBe('not_applicable');
    await scan(prodA);
    await scan(prodB);
    // A staging host accepting TLS 1.0 is not production's problem.
    await scan(staging, { tls10: true });
    const pass = await run('production_no_legacy_tls');
    expect(pass.status).toBe('pass');
    expect(pass.subjects.map((s) => s.id).sort()).toEqual([prodA, prodB].sort());

    await scan(prodB, { tls10: true });
    const fail = await run('production_no_legacy_tls');
    expect(fail.status).toBe('fail');
    expect(fail.summary).toBe('1 of 2 scanned production endpoint(s) accept TLS 1.0 or 1.1.');
    expect(fail.subjects[0]).toMatchObject({
      type: 'host',
      id: prodB,
      ok: false,
      fields: { TLSv1: 'accepted', 'TLSv1.1': 'rejected' },
    });

    await scan(prodB);
    await scan(prodA, { tls11: true });
    const tls11 = await run('production_no_legacy_tls');
    expect(tls11.status).toBe('fail');
    expect(tls11.subjects[0]).toMatchObject({ id: prodA, ok: false, fields: { 'TLSv1.1': 'accepted' } });
    await scan(prodA);
    expect((await run('production_no_legacy_tls')).status).toBe('pass');
  });
});

describe('production_grade_b', () => {
  it('passes at B or better and fails when a production endpoint grades below B', async () => {
    await scan(prodA, { grade: 'B' });
    await scan(prodB, { grade: 'A' });
    await scan(staging, { grade: 'C' });
    expect((await run('production_grade_b')).status).toBe('pass');
    await scan(prodA, { grade: 'C' });
    const fail = await run('production_grade_b');
    expect(fail.status).toBe('fail');
    expect(fail.subjects[0]).toMatchObject({
      id: prodA,
      ok: false,
      fields: { grade: 'C', hostname: 'shop.example.test' },
    });
    expect(fail.subjects).toHaveLength(2);
  });
});

describe('audit_chain_verifies', () => {
  it('passes on an intact log and fails at the row edited behind the API', async () => {
    const pass = await run('audit_chain_verifies');
    expect(pass.status).toBe('pass');
    // A row edited directly by a superuser, who can lift the append-only trigger (as audit.test.ts does).
    const superuser = new pg.Client({ connectionString: world.server.database.url });
    await superuser.connect();
    try {
      await superuser.query('BEGIN');
      await superuser.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_immutable');
      await superuser.query(
        `UPDATE audit_events SET summary = '{"tampered":true}' WHERE workspace_id = $1 AND seq = 3`,
        [world.workspace.id],
      );
      await superuser.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_immutable');
      await superuser.query('COMMIT');
    } finally {
      await superuser.end();
    }
    const fail = await run('audit_chain_verifies');
    expect(fail.status).toBe('fail');
    expect(fail.subjects[0]).toMatchObject({ ok: false, fields: { brokenSeq: 3, reason: 'hash_mismatch' } });
  });
});
