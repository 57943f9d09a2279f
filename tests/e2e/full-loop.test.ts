import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { days, issue } from '../../agent/test/fixtures/pki.ts';
import type { BridgeEvent } from '../../desktop/src/bridge/contract.ts';
import type { DesktopCore } from '../../desktop/src/core/desktop-core.ts';
import { openCore, switchableNetwork, tempDir } from '../../desktop/test/support/core.ts';
import { removeDefaultAlertRules } from '../support/alerts.ts';
import { waitFor } from '../support/processes.ts';
import { REPO_ROOT } from '../support/product.ts';
import { createTestRedis, type TestRedis } from '../support/redis.ts';
import { isSignedWebhook, newWebhookSecret, startWebhookReceiver } from '../support/webhooks.ts';
import { createWorld, type World } from '../support/world.ts';

/**
 * Issue 17, "the full loop": every program of DESIGN.md §5 at once, each the real one. A
 * `vigilo-agent` process scans a loopback TLS endpoint whose certificate expires in 10 days; a
 * critical "expires within 30 days" rule opens an alert; the webhook receiver gets it signed; a
 * desktop core hears it on its live subscription and its notification policy raises a
 * notification; the on-call member acknowledges it from the desktop while the desktop is offline
 * (the outbox holds it), then the outbox syncs; the renewal change is drafted from the alert,
 * submitted and approved; the endpoint's certificate is replaced, the agent re-scans, the alert
 * resolves and the change completes with the scan as evidence; the audit chain verifies and holds
 * each step.
 *
 * Single mode: one server process (the test's) does everything. Scaled mode: the test's server is
 * only the API (the desktop's server, events through Redis pub/sub), the agent pushes to a
 * separate receiver process (Redis stream) and a separate worker process stores, evaluates,
 * dispatches and delivers webhooks.
 */
const AGENT = path.join(REPO_ROOT, 'agent', 'bin', 'vigilo-agent.js');
const SERVER = path.join(REPO_ROOT, 'server', 'src', 'cli', 'main.ts');
const WS = 'acme';

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function certificate(daysLeft: number) {
  const leaf = await issue({
    cn: 'localhost',
    dns: ['localhost'],
    ips: ['127.0.0.1'],
    notBefore: days(-1),
    notAfter: days(daysLeft),
  });
  return { cert: leaf.pem, key: leaf.keyPem };
}

/** Real timers for the core: live events coalesce and reopen as in the app. */
const schedule = (fn: () => void, ms: number) => {
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
};

function fullLoop(mode: 'single' | 'scaled') {
  let world: World;
  let pushUrl: string;
  const servers: ChildProcess[] = [];
  const secretKey = randomBytes(32);
  let redis: TestRedis | undefined;
  const serverHome = path.join(os.tmpdir(), `vigilo-e2e-full-${process.pid}-${mode}`);
  let agentHome: string;
  let agent: ChildProcess | undefined;
  let agentLog = '';
  let endpoint: tls.Server;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  const secret = newWebhookSecret();
  const desktopDir = tempDir('vigilo-e2e-full-desktop-');
  const network = switchableNetwork();
  let core: DesktopCore | undefined;
  const coreEvents: BridgeEvent[] = [];
  const live: Array<{ type: string; seq: number; at: number }> = [];

  beforeAll(async () => {
    // The shared test Redis, under a prefix of this file's own that afterAll removes.
    if (mode === 'scaled') redis = await createTestRedis('e2e-full');
    const scaledEnv = {
      REDIS_URL: redis?.url ?? '',
      VIGILO_REDIS_PREFIX: redis?.prefix ?? '',
      // The test Redis keeps nothing on disk; the receiver refuses to acknowledge into it unless told.
      VIGILO_INGEST_ALLOW_VOLATILE_REDIS: 'true',
    };
    // Scaled: this process is the API only (no worker, no dispatcher): what the desktop hears
    // live came from the worker process through Redis.
    world = await createWorld({
      background: true,
      secretKey,
      ...(mode === 'scaled' ? { env: { ...scaledEnv, VIGILO_ROLES: 'api' } } : {}),
    });
    await removeDefaultAlertRules(world);
    pushUrl = world.server.url;
    if (mode === 'scaled') {
      const env = {
        ...process.env,
        ...scaledEnv,
        DATABASE_URL: world.server.database.url,
        VIGILO_SECRET_KEY: secretKey.toString('base64'),
        VIGILO_HOME: serverHome,
        VIGILO_LOCAL_AGENT: 'false',
        VIGILO_LOG_LEVEL: 'warn',
        // The worker process delivers to the test's receiver on 127.0.0.1.
        VIGILO_OUTBOUND_ALLOW: '127.0.0.1/32',
      };
      const receiverPort = await freePort();
      for (const [roles, port] of [
        ['ingest', receiverPort],
        ['worker', await freePort()],
      ] as const) {
        servers.push(
          spawn(process.execPath, ['--import', 'tsx', SERVER, 'up'], {
            env: { ...env, VIGILO_ROLES: roles, VIGILO_PORT: String(port) },
            stdio: 'ignore',
          }),
        );
      }
      pushUrl = `http://127.0.0.1:${receiverPort}`;
      await waitFor(
        'the receiver process',
        async () =>
          (await fetch(`${pushUrl}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined,
        60_000,
      );
    }
    agentHome = await mkdtemp(path.join(os.tmpdir(), 'vigilo-agent-full-'));
    endpoint = tls.createServer(await certificate(10), (socket) => socket.end());
    await new Promise<void>((r) => endpoint.listen(0, '127.0.0.1', r));
    receiver = await startWebhookReceiver();
  }, 90_000);

  afterAll(async () => {
    if (process.env.VIGILO_E2E_DEBUG) process.stderr.write(agentLog);
    agent?.kill('SIGKILL');
    await core?.close();
    endpoint?.close();
    await receiver?.close();
    for (const server of servers) server.kill('SIGTERM');
    await Promise.all(
      servers.map(
        (server) => new Promise((r) => (server.exitCode === null ? server.once('exit', r) : r(null))),
      ),
    );
    await world?.close();
    await redis?.cleanup();
    desktopDir.cleanup();
    await rm(serverHome, { recursive: true, force: true });
    if (agentHome) await rm(agentHome, { recursive: true, force: true });
  });

  it('expiring certificate → alert → signed webhook → desktop notification → offline ack → renewal → resolved, audited', async () => {
    // Scaled: the desktop's server has no worker, so what it hears came through Redis.
    expect(world.server.services.config.roles.has('worker')).toBe(mode === 'single');
    const admin = world.client('admin');
    const member = world.client('member');
    const approver = world.client('approver');
    const hooks = (type: string) =>
      receiver.received.filter((r) => (JSON.parse(r.body) as { type: string }).type === type);

    await admin.channels.create.mutate({
      workspace: WS,
      name: 'oncall hook',
      type: 'webhook',
      config: { url: receiver.url, secret },
      eventTypes: ['alert.*'],
    });
    const rule = await admin.alertRules.create.mutate({
      workspace: WS,
      name: 'expires in 30 days',
      predicate: { kind: 'expires_within', days: 30 },
      // Critical: the desktop's policy notifies of critical alerts only.
      severity: 'critical',
    });

    // The on-call member's desktop: synced once, then listening live (no polling: the core has
    // no timer of its own but the ones live events and retries set).
    ({ core } = openCore({
      dataDir: desktopDir.dir,
      serverUrl: world.server.url,
      workspace: WS,
      token: world.tokens.member!,
      fetch: network.fetch,
      schedule,
    }));
    const desktop = core;
    desktop.subscribe((e) => coreEvents.push(e));
    desktop.engine.start();
    await desktop.engine.syncNow();
    await waitFor('the live stream', () => (desktop.engine.live().open ? true : undefined), 10_000, 50);
    // A second subscriber on the same socket records what the stream carries and when.
    const recorder = desktop.api.events.live.subscribe(
      { workspace: WS, types: ['alert.*'] },
      { onData: (e) => live.push({ type: e.type, seq: e.seq, at: Date.now() }) },
    );

    // A real agent process, enrolled with a one-time token (against the receiver when scaled).
    const { token } = await admin.agents.createEnrollmentToken.mutate({ workspace: WS, name: 'full-loop' });
    const enroll = spawn(
      process.execPath,
      [AGENT, 'enroll', '--server', pushUrl, '--token', token, '--home', agentHome, '--name', 'loop-agent'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let enrollOutput = '';
    enroll.stderr?.on('data', (c: Buffer) => (enrollOutput += c.toString('utf8')));
    expect(await new Promise<number | null>((r) => enroll.once('exit', r)), enrollOutput).toBe(0);
    const [agentRow] = await admin.agents.list.query({ workspace: WS });
    agent = spawn(
      process.execPath,
      [AGENT, 'run', '--home', agentHome, '--spread', '0', '--timeout', '5000'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    agent.stdout?.on('data', (c: Buffer) => (agentLog += c.toString('utf8')));
    agent.stderr?.on('data', (c: Buffer) => (agentLog += c.toString('utf8')));

    // The host is added; the agent (long-polling its configuration) scans it within seconds.
    const added = Date.now();
    const host = await member.hosts.add.mutate({
      workspace: WS,
      hostname: 'localhost',
      port: (endpoint.address() as AddressInfo).port,
      protocol: 'tls',
      intervalS: 3600,
      agentId: agentRow!.id,
    });
    const alert = await waitFor(
      'the expiry alert',
      async () =>
        (await member.alerts.list.query({ workspace: WS, hostId: host.id, state: 'open' })).alerts[0],
      20_000,
    );
    expect(Date.now() - added).toBeLessThan(15_000);
    expect(alert).toMatchObject({
      ruleName: rule.name,
      severity: 'critical',
      hostname: 'localhost',
      summary: expect.stringMatching(/expires in (9|10) day/),
    });

    // The webhook arrives, signed per Standard Webhooks with the channel's secret.
    const hook = await waitFor('the alert.opened webhook', () => hooks('alert.opened')[0], 15_000);
    expect(isSignedWebhook(hook.headers, hook.body, secret)).toBe(true);
    expect(isSignedWebhook(hook.headers, hook.body, newWebhookSecret())).toBe(false);
    expect(JSON.parse(hook.body)).toMatchObject({
      type: 'alert.opened',
      data: expect.objectContaining({ hostname: 'localhost' }),
    });

    // The desktop heard it live, pulled it into its replica and its policy decided to notify.
    const note = await waitFor(
      'the desktop notification',
      () => coreEvents.find((e) => e.type === 'notify'),
      15_000,
      50,
    );
    expect(note).toMatchObject({
      type: 'notify',
      title: 'Critical alert',
      target: `vigilo://${WS}/alerts/${alert.id}`,
    });
    expect(live.some((e) => e.type === 'alert.opened')).toBe(true);
    expect(desktop.engine.live().events).toBeGreaterThan(0);
    expect(desktop.store.row('alerts', alert.id)).toMatchObject({ state: 'open' });

    // Offline (requests fail to leave the desktop), the member acknowledges: the replica shows it
    // at once, the outbox holds it, the server has not heard of it.
    network.online = false;
    desktop.act({ kind: 'alert.acknowledge', args: { alertId: alert.id, note: 'on it (offline)' } });
    await desktop.engine.syncNow();
    expect(desktop.engine.state()).toMatchObject({ connection: 'offline', outboxDepth: 1 });
    expect(desktop.store.row('alerts', alert.id)?.acknowledged_at).toBeTruthy();
    const [whileOffline] = (await member.alerts.list.query({ workspace: WS, hostId: host.id, state: 'open' }))
      .alerts;
    expect(whileOffline?.acknowledgedAt ?? null).toBeNull();
    // Back online: the outbox drains, the server records the acknowledgement as the member's.
    network.online = true;
    await desktop.engine.syncNow();
    expect(desktop.engine.state()).toMatchObject({ connection: 'online', outboxDepth: 0, conflicts: [] });
    const acked = (await member.alerts.list.query({ workspace: WS, hostId: host.id, state: 'open' }))
      .alerts[0];
    expect(acked?.acknowledgedAt).toBeTruthy();
    await waitFor('the alert.acknowledged webhook', () => hooks('alert.acknowledged')[0], 15_000);

    // Change management: the renewal is drafted from the alert (no renewal template: a normal
    // change), submitted, approved by an approver.
    const served = (await admin.certificates.inventory.query({ workspace: WS })).certificates[0]!;
    const change = await member.changes.draftRenewal.mutate({ workspace: WS, alertId: alert.id });
    expect(change).toMatchObject({
      type: 'normal',
      state: 'draft',
      affectedHostIds: [host.id],
      alertIds: [alert.id],
      certificateFingerprint: served.fingerprint,
    });
    await member.changes.transition.mutate({ workspace: WS, id: change.id, to: 'submitted' });
    const { approvals } = await member.changes.get.query({ workspace: WS, id: change.id });
    await approver.approvals.decide.mutate({
      workspace: WS,
      requestId: approvals[0]!.requestId,
      decision: 'approve',
    });
    expect((await member.changes.get.query({ workspace: WS, id: change.id })).state).toBe('approved');

    // The certificate is replaced; an edit of the host makes the agent scan it again now.
    endpoint.setSecureContext(await certificate(120));
    await member.hosts.update.mutate({ workspace: WS, id: host.id, intervalS: 900 });
    await waitFor(
      'the alert to resolve',
      async () =>
        (await member.alerts.list.query({ workspace: WS, hostId: host.id, state: 'resolved' })).alerts[0],
      20_000,
    );
    const done = await waitFor(
      'the renewal change to complete',
      async () => {
        const c = await member.changes.get.query({ workspace: WS, id: change.id });
        return c.state === 'completed' ? c : undefined;
      },
      20_000,
    );
    expect(done.evidence!.snapshots[0]!.fingerprint).not.toBe(served.fingerprint);
    await waitFor('the alert.resolved webhook', () => hooks('alert.resolved')[0], 15_000);
    // The desktop follows live: the resolution reaches its replica without a manual sync.
    await waitFor(
      'the resolution on the desktop',
      () => (desktop.store.row('alerts', alert.id)?.state === 'resolved' ? true : undefined),
      15_000,
      50,
    );
    // Each webhook once per event, each with its own id.
    const ids = receiver.received.map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(ids.length);
    expect(receiver.received.every((r) => isSignedWebhook(r.headers, r.body, secret))).toBe(true);
    recorder.unsubscribe();

    // The audit chain verifies and shows each step, by whom.
    expect(await admin.audit.verify.query({ workspace: WS })).toMatchObject({ ok: true });
    const { rows } = await admin.audit.list.query({ workspace: WS, limit: 500 });
    // Oldest first, each as "action actor target" (the scan's outcomes are recorded as the system
    // evaluating the agent's snapshot; the completion as the agent whose scan was the evidence).
    const steps = rows
      .slice()
      .reverse()
      .map((r) => `${r.action} ${r.actorType} ${r.targetId}`);
    const expected = [
      `host.added user ${host.id}`,
      `alert.opened system ${alert.id}`,
      `alert.acknowledged user ${alert.id}`,
      `change.created user ${change.id}`,
      `change.submitted user ${change.id}`,
      `change.approved user ${change.id}`,
      `host.updated user ${host.id}`,
      `alert.resolved system ${alert.id}`,
      `change.transitioned agent ${change.id}`,
    ];
    const at = expected.map((s) => steps.indexOf(s));
    expect(at.every((i) => i >= 0) && at.every((i, n) => n === 0 || i > at[n - 1]!), steps.join('\n')).toBe(
      true,
    );
    const completion = rows.find((r) => r.action === 'change.transitioned' && r.targetId === change.id)!;
    expect(completion.actorId).toBe(agentRow!.id);
    expect(JSON.parse(completion.summary)).toMatchObject({ after: { state: 'completed', automatic: true } });
    const ack = rows.find((r) => r.action === 'alert.acknowledged')!;
    expect(ack.actorId).toBe(desktop.me());

    agent.kill('SIGTERM');
    await new Promise((r) => agent?.once('exit', r));
  }, 90_000);
}

describe.each(['single', 'scaled'] as const)('the full loop, %s mode', (mode) => fullLoop(mode));
