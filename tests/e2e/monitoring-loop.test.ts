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
import { removeDefaultAlertRules } from '../support/alerts.ts';
import { createWorld, type World } from '../support/world.ts';
import { TEST_REDIS_URL } from '../support/env.ts';
import { waitFor } from '../support/processes.ts';
import { REPO_ROOT } from '../support/product.ts';
import { isSignedWebhook, newWebhookSecret } from '../support/webhooks.ts';

/**
 * The main loop of DESIGN.md §5 through real parts: a `vigilo-agent` process enrolled against the
 * server scans a loopback TLS endpoint whose certificate expires in 10 days; the snapshot is
 * stored, an "expires within 30 days" rule opens an alert, a webhook receiver gets it signed;
 * renewing the certificate and re-scanning resolves it. Run in single-machine mode (one server
 * process) and in scaled mode (the agent talks to a receiver process, a separate worker process
 * stores through a Redis stream).
 */
const AGENT = path.join(REPO_ROOT, 'agent', 'bin', 'vigilo-agent.js');
const SERVER = path.join(REPO_ROOT, 'server', 'src', 'cli', 'main.ts');

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

function loopSuite(mode: 'single' | 'scaled') {
  let world: World;
  let pushUrl: string;
  const servers: ChildProcess[] = [];
  const secretKey = randomBytes(32);
  const serverHome = path.join(os.tmpdir(), `vigilo-e2e-servers-${process.pid}-${mode}`);
  let agentHome: string;
  let agent: ChildProcess | undefined;
  let endpoint: tls.Server;
  let receiver: http.Server;
  const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
  const secret = newWebhookSecret();

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

  beforeAll(async () => {
    world = await createWorld({ background: true, secretKey });
    // The alert checked below is its own rule's; a default rule would open a second one.
    await removeDefaultAlertRules(world);
    pushUrl = world.server.url;
    if (mode === 'scaled') {
      // Separate receiver and worker processes over the same database and a Redis stream.
      const env = {
        ...process.env,
        DATABASE_URL: world.server.database.url,
        REDIS_URL: TEST_REDIS_URL,
        VIGILO_REDIS_PREFIX: `vigilo:e2e:${process.pid}:`,
        VIGILO_SECRET_KEY: secretKey.toString('base64'),
        VIGILO_HOME: serverHome,
        VIGILO_LOCAL_AGENT: 'false',
        VIGILO_LOG_LEVEL: 'warn',
        // The test Redis keeps nothing on disk; the receiver refuses to acknowledge into it unless told.
        VIGILO_INGEST_ALLOW_VOLATILE_REDIS: 'true',
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
    agentHome = await mkdtemp(path.join(os.tmpdir(), 'vigilo-agent-e2e-'));
    endpoint = tls.createServer(await certificate(10), (socket) => socket.end());
    await new Promise<void>((r) => endpoint.listen(0, '127.0.0.1', r));
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    if (process.env.VIGILO_E2E_DEBUG) process.stderr.write(afterAllLog());
    agent?.kill('SIGKILL');
    endpoint?.close();
    receiver?.close();
    for (const server of servers) server.kill('SIGTERM');
    await Promise.all(
      servers.map(
        (server) => new Promise((r) => (server.exitCode === null ? server.once('exit', r) : r(null))),
      ),
    );
    await world?.close();
    await rm(serverHome, { recursive: true, force: true });
    await rm(agentHome, { recursive: true, force: true });
  });

  let afterAllLog = () => '';
  const alertEvents = (type: string) =>
    received.filter((r) => (JSON.parse(r.body) as { type: string }).type === type);

  describe('agent → server → alert → webhook', () => {
    it('opens an alert for a certificate expiring in 10 days and resolves it after renewal', async () => {
      const admin = world.client('admin');
      await admin.channels.create.mutate({
        workspace: 'acme',
        name: 'oncall hook',
        type: 'webhook',
        config: { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/vigilo`, secret },
        eventTypes: ['alert.*'],
      });
      await admin.alertRules.create.mutate({
        workspace: 'acme',
        name: 'expires in 30 days',
        predicate: { kind: 'expires_within', days: 30 },
        severity: 'warning',
      });

      // Enroll a real agent process with a one-time token.
      const { token } = await admin.agents.createEnrollmentToken.mutate({ workspace: 'acme', name: 'e2e' });
      // Async: the server answering the enrollment runs in this very process.
      const enroll = spawn(
        process.execPath,
        [AGENT, 'enroll', '--server', pushUrl, '--token', token, '--home', agentHome, '--name', 'e2e-agent'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let enrollOutput = '';
      enroll.stderr?.on('data', (c: Buffer) => (enrollOutput += c.toString('utf8')));
      const enrolled = {
        status: await new Promise<number | null>((r) => enroll.once('exit', r)),
        stderr: enrollOutput,
      };
      expect(enrolled.status, enrolled.stderr).toBe(0);
      const [agentRow] = await admin.agents.list.query({ workspace: 'acme' });
      // In scaled mode nothing of this loop may go through the test's own server process.
      expect(pushUrl === world.server.url).toBe(mode === 'single');
      expect(agentRow).toMatchObject({ name: 'e2e-agent' });

      agent = spawn(
        process.execPath,
        [AGENT, 'run', '--home', agentHome, '--spread', '0', '--timeout', '5000'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let agentLog = '';
      afterAllLog = () => agentLog;
      agent.stdout?.on('data', (c: Buffer) => (agentLog += c.toString('utf8')));
      agent.stderr?.on('data', (c: Buffer) => (agentLog += c.toString('utf8')));

      const port = (endpoint.address() as AddressInfo).port;
      const host = await world.client('member').hosts.add.mutate({
        workspace: 'acme',
        hostname: 'localhost',
        port,
        protocol: 'tls',
        intervalS: 300,
        agentId: agentRow!.id,
      });

      // The first scan runs at once (the agent long-polls its config), and the rule fires.
      const opened = await waitFor(
        'alert to open',
        async () =>
          (await admin.alerts.list.query({ workspace: 'acme', hostId: host.id, state: 'open' })).alerts[0],
        30_000,
      );
      expect(opened).toMatchObject({
        ruleName: 'expires in 30 days',
        hostname: 'localhost',
        summary: expect.stringMatching(/expires in (9|10) day/),
      });
      const hook = await waitFor('alert.opened webhook', () => alertEvents('alert.opened')[0], 20_000);
      expect(isSignedWebhook(hook.headers, hook.body, secret)).toBe(true);
      expect(JSON.parse(hook.body)).toMatchObject({
        type: 'alert.opened',
        data: expect.objectContaining({ hostname: 'localhost' }),
      });

      // Renew the certificate, then have the host re-scanned (an edit makes the agent scan it now).
      endpoint.setSecureContext(await certificate(120));
      await world.client('member').hosts.update.mutate({ workspace: 'acme', id: host.id, intervalS: 900 });
      await waitFor(
        'alert to resolve',
        async () =>
          (await admin.alerts.list.query({ workspace: 'acme', hostId: host.id, state: 'resolved' }))
            .alerts[0],
        30_000,
      );
      await waitFor('alert.resolved webhook', () => alertEvents('alert.resolved')[0], 20_000);
      const inventory = await admin.certificates.inventory.query({ workspace: 'acme' });
      // Both certificates are in the inventory, the renewed one with about 120 days left.
      const daysLeft = inventory.certificates.map((c) => c.daysLeft).sort((a, b) => a - b);
      expect(daysLeft).toHaveLength(2);
      expect(daysLeft[0]).toBeLessThanOrEqual(10);
      expect(daysLeft[1]).toBeGreaterThanOrEqual(118);

      agent.kill('SIGTERM');
      await new Promise((r) => agent?.once('exit', r));
    }, 120_000);
  });
}

describe.each(['single', 'scaled'] as const)('%s mode', (mode) => loopSuite(mode));
