import { gzipSync } from 'node:zlib';
import { AGENT_PATHS } from '@vigilo/shared/agent-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSnapshot, uuidv7 } from '@vigilo/tests/support/snapshots';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { removeDefaultAlertRules } from '@vigilo/tests/support/alerts';

let world: World;
let agentToken: string;
let agentId: string;
let hostId: string;
let otherHostId: string;

async function push(snapshots: unknown[], opts: { token?: string; gzip?: boolean } = {}) {
  const body = JSON.stringify({
    batch_id: uuidv7(),
    agent_version: 'test',
    sent_at: new Date().toISOString(),
    snapshots,
  });
  return fetch(`${world.server.url}${AGENT_PATHS.snapshots}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${opts.token ?? agentToken}`,
      'content-type': 'application/json',
      ...(opts.gzip ? { 'content-encoding': 'gzip' } : {}),
    },
    body: opts.gzip ? gzipSync(body) : body,
  });
}

beforeAll(async () => {
  world = await createWorld({ env: { VIGILO_AGENT_CACHE_MS: '200' } });
  // Its alerts come from the rules it makes; the defaults would open more.
  await removeDefaultAlertRules(world);
  const admin = world.client('admin');
  const { token } = await admin.agents.createEnrollmentToken.mutate({ workspace: 'acme', name: 'dc1' });
  const enroll = await fetch(`${world.server.url}${AGENT_PATHS.enroll}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, name: 'scanner-1', agent_version: '0.1.0', platform: 'linux' }),
  });
  expect(enroll.status).toBe(201);
  ({ agent_token: agentToken, agent_id: agentId } = (await enroll.json()) as {
    agent_token: string;
    agent_id: string;
  });
  // The same one-time token cannot enroll twice.
  const again = await fetch(`${world.server.url}${AGENT_PATHS.enroll}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, name: 'scanner-2', agent_version: '0.1.0', platform: 'linux' }),
  });
  expect(again.status).toBe(409);
  const member = world.client('member');
  ({ id: hostId } = await member.hosts.add.mutate({
    workspace: 'acme',
    hostname: 'API.Example.Internal.',
    port: 443,
    agentId,
    intervalS: 300,
  }));
  ({ id: otherHostId } = await member.hosts.add.mutate({
    workspace: 'acme',
    hostname: 'unassigned.internal',
    port: 8443,
    agentId: null,
  }));
});
afterAll(async () => {
  await world?.close();
});

describe('agent config', () => {
  it('lists the assigned hosts with an ETag, answers 304 when unchanged, and changes when a host is added', async () => {
    const url = `${world.server.url}${AGENT_PATHS.config}`;
    const first = await fetch(url, { headers: { authorization: `Bearer ${agentToken}` } });
    const config = (await first.json()) as {
      version: number;
      hosts: Array<{ hostname: string; interval_s: number }>;
    };
    expect(config.hosts).toEqual([
      expect.objectContaining({ hostname: 'api.example.internal', interval_s: 300 }),
    ]);
    const etag = first.headers.get('etag')!;
    expect(
      (await fetch(url, { headers: { authorization: `Bearer ${agentToken}`, 'if-none-match': etag } }))
        .status,
    ).toBe(304);
    // A long-poll returns as soon as the config changes.
    const waiting = fetch(`${url}?wait=20`, {
      headers: { authorization: `Bearer ${agentToken}`, 'if-none-match': etag },
    });
    await world
      .client('member')
      .hosts.add.mutate({ workspace: 'acme', hostname: 'db.internal', port: 5432, protocol: 'tls', agentId });
    const changed = await waiting;
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  it('refuses an unknown agent credential', async () => {
    const res = await fetch(`${world.server.url}${AGENT_PATHS.config}`, {
      headers: { authorization: 'Bearer vga_nope' },
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'unauthorized' } });
  });
});

describe('push', () => {
  it('stores a gzip batch, counts a re-push as duplicates, and stores it once', async () => {
    const snapshots = [
      makeSnapshot({ hostId, hostname: 'api.example.internal' }),
      makeSnapshot({ hostId, hostname: 'api.example.internal', reachable: false }),
    ];
    const res = await push(snapshots, { gzip: true });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { accepted: string[]; duplicate: string[] };
    expect(body.accepted.sort()).toEqual(snapshots.map((s) => s.id).sort());
    const again = (await (await push(snapshots)).json()) as { accepted: string[]; duplicate: string[] };
    expect(again).toMatchObject({
      accepted: [],
      duplicate: expect.arrayContaining(snapshots.map((s) => s.id)),
    });
    const { rows } = await world.server.services.db.owner.query(
      'SELECT count(*)::int AS n FROM snapshots WHERE id = ANY($1)',
      [snapshots.map((s) => s.id)],
    );
    expect(rows[0].n).toBe(2);
  });

  it('rejects a batch with one invalid snapshot, naming its index and field, and stores nothing', async () => {
    const good = makeSnapshot({ hostId });
    const bad = { ...makeSnapshot({ hostId }), scanned_at: 'yesterday' };
    const res = await push([good, bad]);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; issues: Array<{ path: string }> } };
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.issues[0]?.path).toBe('snapshots.1.scanned_at');
    const { rows } = await world.server.services.db.owner.query(
      'SELECT count(*)::int AS n FROM snapshots WHERE id = $1',
      [good.id],
    );
    expect(rows[0].n).toBe(0);
  });

  it('refuses snapshots for a host the agent is not assigned, storing nothing', async () => {
    const mine = makeSnapshot({ hostId });
    const res = await push([mine, makeSnapshot({ hostId: otherHostId })]);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({
      error: { code: 'forbidden', issues: [{ path: 'snapshots.1.target.host_id' }] },
    });
    const { rows } = await world.server.services.db.owner.query(
      'SELECT count(*)::int AS n FROM snapshots WHERE id = $1',
      [mine.id],
    );
    expect(rows[0].n).toBe(0);
  });

  it('opens an alert when a certificate comes within the rule threshold and resolves it after renewal', async () => {
    const admin = world.client('admin');
    await admin.alertRules.create.mutate({
      workspace: 'acme',
      name: 'expiring',
      predicate: { kind: 'expires_within', days: 30 },
      severity: 'warning',
    });
    const soon = new Date(Date.now() + 10 * 86_400_000 + 3_600_000);
    expect(
      (await push([makeSnapshot({ hostId, hostname: 'api.example.internal', notAfter: soon })])).status,
    ).toBe(200);
    const open = await admin.alerts.list.query({ workspace: 'acme', state: 'open' });
    expect(open.alerts).toHaveLength(1);
    expect(open.alerts[0]).toMatchObject({
      ruleName: 'expiring',
      hostname: 'api.example.internal',
      severity: 'warning',
      summary: 'certificate expires in 10 day(s)',
    });

    // The same condition again opens nothing new: one open alert per rule and host.
    await push([makeSnapshot({ hostId, hostname: 'api.example.internal', notAfter: soon })]);
    expect((await admin.alerts.list.query({ workspace: 'acme', state: 'open' })).alerts).toHaveLength(1);

    const renewed = new Date(Date.now() + 200 * 86_400_000);
    await push([makeSnapshot({ hostId, hostname: 'api.example.internal', notAfter: renewed })]);
    const after = await admin.alerts.list.query({ workspace: 'acme' });
    expect(after.alerts.map((a) => a.state)).toEqual(['resolved']);
    const audit = await world
      .client('owner')
      .audit.list.query({ workspace: 'acme', filter: { action: 'alert.*' } });
    expect(audit.rows.map((r) => [r.action, r.actorId])).toEqual([
      ['alert.resolved', 'rule-engine'],
      ['alert.opened', 'rule-engine'],
    ]);
    const inventory = await admin.certificates.inventory.query({ workspace: 'acme', expiringWithinDays: 30 });
    expect(inventory.certificates.map((c) => c.daysLeft)).toEqual([10]);
  });

  it('does not open alerts while the host is snoozed, and opens them once the snooze is gone', async () => {
    const member = world.client('member');
    const { id: snoozedHost } = await member.hosts.add.mutate({
      workspace: 'acme',
      hostname: 'quiet.internal',
      port: 443,
      agentId,
    });
    await member.alerts.snooze.mutate({
      workspace: 'acme',
      hostId: snoozedHost,
      duration: '1h',
      reason: 'migration',
    });
    const soon = new Date(Date.now() + 5 * 86_400_000);
    await push([makeSnapshot({ hostId: snoozedHost, hostname: 'quiet.internal', notAfter: soon })]);
    const open = await member.alerts.list.query({ workspace: 'acme', hostId: snoozedHost });
    expect(open.alerts).toEqual([]);
    await world.server.services.db.owner.query(
      "UPDATE snoozes SET until = now() - interval '1 second' WHERE host_id = $1",
      [snoozedHost],
    );
    await push([makeSnapshot({ hostId: snoozedHost, hostname: 'quiet.internal', notAfter: soon })]);
    expect((await member.alerts.list.query({ workspace: 'acme', hostId: snoozedHost })).alerts).toHaveLength(
      1,
    );
  });

  it('holds alerts back during a maintenance window for the host’s tag (once or repeating)', async () => {
    const admin = world.client('admin');
    const { id: maintained } = await admin.hosts.add.mutate({
      workspace: 'acme',
      hostname: 'maint.internal',
      port: 443,
      tags: ['db'],
      agentId,
    });
    const now = Date.now();
    await admin.alerts.scheduleMaintenance.mutate({
      workspace: 'acme',
      name: 'weekly db patching',
      tags: ['db'],
      startsAt: new Date(now - 7 * 86_400_000 - 60_000),
      endsAt: new Date(now - 7 * 86_400_000 + 3_600_000),
      repeatDays: 7,
    });
    const soon = new Date(now + 5 * 86_400_000);
    await push([makeSnapshot({ hostId: maintained, hostname: 'maint.internal', notAfter: soon })]);
    expect((await admin.alerts.list.query({ workspace: 'acme', hostId: maintained })).alerts).toEqual([]);
    await expect(
      admin.alerts.scheduleMaintenance.mutate({
        workspace: 'acme',
        name: 'bad',
        tags: ['db'],
        startsAt: new Date(now),
        endsAt: new Date(now - 1),
      }),
    ).rejects.toMatchObject({ data: { fieldErrors: { endsAt: 'endsAt must be after startsAt' } } });
  });

  it('stops a revoked agent with 401 once the receiver no longer remembers its credential', async () => {
    await world.client('admin').agents.revoke.mutate({ workspace: 'acme', id: agentId });
    // The receiver remembers a credential for VIGILO_AGENT_CACHE_MS (200 ms here, 5 s by default).
    await new Promise((r) => setTimeout(r, 250));
    const res = await push([makeSnapshot({ hostId })]);
    expect(res.status).toBe(401);
  });
});

describe('hosts', () => {
  it('imports a CSV list, adding valid rows and reporting each rejected one with its reason', async () => {
    const member = world.client('member');
    const csv = [
      'hostname,port,protocol,interval_s,tags',
      'mail.csv.internal,587,smtp,3600,mail prod',
      '"ldap.csv.internal",636,,,directory',
      'https://bad.csv.internal,443',
      'api.example.internal,443',
      'noport.csv.internal,99999',
      'intervals.csv.internal,443,tls,42',
    ].join('\n');
    const dry = await member.hosts.import.mutate({
      workspace: 'acme',
      format: 'csv',
      content: csv,
      dryRun: true,
    });
    expect(dry).toMatchObject({ added: 2, exists: 1, rejected: 3, dryRun: true });
    expect((await member.hosts.list.query({ workspace: 'acme', search: 'csv.internal' })).length).toBe(0);

    const result = await member.hosts.import.mutate({
      workspace: 'acme',
      format: 'csv',
      content: csv,
      defaults: { intervalS: 900 },
    });
    expect(result.rows).toEqual([
      { row: 2, status: 'added', host: 'mail.csv.internal:587' },
      { row: 3, status: 'added', host: 'ldap.csv.internal:636' },
      {
        row: 4,
        status: 'rejected',
        reason: 'hostname: hostname must not include a scheme (remove "https://")',
      },
      { row: 5, status: 'exists', host: 'api.example.internal:443' },
      { row: 6, status: 'rejected', reason: 'port: port must be 1–65535' },
      { row: 7, status: 'rejected', reason: expect.stringMatching(/^intervalS: interval must be one of/) },
    ]);
    const hosts = await member.hosts.list.query({ workspace: 'acme', search: 'csv.internal' });
    expect(hosts.map((h) => [h.hostname, h.protocol, h.intervalS, h.tags])).toEqual([
      ['ldap.csv.internal', null, 900, ['directory']],
      ['mail.csv.internal', 'smtp', 3600, ['mail', 'prod']],
    ]);
    const discovered = await member.hosts.import.mutate({
      workspace: 'acme',
      format: 'discover',
      content:
        '{"target":"tls://10.0.0.5:8443","hostname":"10.0.0.5","port":8443,"protocol":"tls"}\nnot json',
    });
    expect(discovered).toMatchObject({ added: 1, rejected: 1 });
  });

  it('changes only the fields an update names (a patch never resets the others to defaults)', async () => {
    const admin = world.client('admin');
    const { token } = await admin.agents.createEnrollmentToken.mutate({ workspace: 'acme', name: 'patch' });
    const enrolled = (await (
      await fetch(`${world.server.url}${AGENT_PATHS.enroll}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, name: 'patch-agent', agent_version: 't', platform: 'linux' }),
      })
    ).json()) as { agent_id: string };
    const member = world.client('member');
    const { id } = await member.hosts.add.mutate({
      workspace: 'acme',
      hostname: 'patch.internal',
      port: 636,
      protocol: 'ldap',
      tags: ['prod'],
      agentId: enrolled.agent_id,
    });
    await member.hosts.update.mutate({ workspace: 'acme', id, intervalS: 900 });
    const [host] = await member.hosts.list.query({ workspace: 'acme', search: 'patch.internal' });
    expect(host).toMatchObject({
      intervalS: 900,
      protocol: 'ldap',
      tags: ['prod'],
      agentId: enrolled.agent_id,
    });

    const rule = await admin.alertRules.create.mutate({
      workspace: 'acme',
      name: 'patch-rule',
      predicate: { kind: 'chain_invalid' },
      severity: 'info',
      scope: { kind: 'tag', tag: 'prod' },
      openAfter: 3,
    });
    const updated = await admin.alertRules.update.mutate({
      workspace: 'acme',
      id: rule.id,
      severity: 'critical',
    });
    expect(updated).toMatchObject({
      severity: 'critical',
      scope: { kind: 'tag', tag: 'prod' },
      openAfter: 3,
      enabled: true,
    });
  });

  it('validates hostnames as users expect and normalises international names', async () => {
    const member = world.client('member');
    await expect(
      member.hosts.add.mutate({ workspace: 'acme', hostname: 'https://x.example/', port: 443 }),
    ).rejects.toMatchObject({
      data: {
        code: 'BAD_REQUEST',
        fieldErrors: { hostname: 'hostname must not include a scheme (remove "https://")' },
      },
    });
    await expect(
      member.hosts.add.mutate({ workspace: 'acme', hostname: 'x.example', port: 70000 }),
    ).rejects.toMatchObject({
      data: { fieldErrors: { port: 'port must be 1–65535' } },
    });
    const idn = await member.hosts.add.mutate({ workspace: 'acme', hostname: 'bücher.example', port: 443 });
    const list = await member.hosts.list.query({ workspace: 'acme', search: 'xn--' });
    expect(list.map((h) => [h.id, h.hostname])).toEqual([[idn.id, 'xn--bcher-kva.example']]);
    await expect(
      world.client('viewer').hosts.add.mutate({ workspace: 'acme', hostname: 'y.example', port: 443 }),
    ).rejects.toMatchObject({
      data: { code: 'FORBIDDEN' },
    });
  });
});
