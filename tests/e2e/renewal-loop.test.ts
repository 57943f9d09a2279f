import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { days, issue } from '../../agent/test/fixtures/pki.ts';
import { removeDefaultAlertRules } from '../support/alerts.ts';
import { ownerInWorkspace } from '../support/database.ts';
import { waitFor } from '../support/processes.ts';
import { REPO_ROOT } from '../support/product.ts';
import { createWorld, type World } from '../support/world.ts';

/**
 * The renewal loop of DESIGN.md §5 step 6 through real parts: a `vigilo-agent` process scans a
 * loopback TLS endpoint whose certificate expires in 10 days, an "expires within 30 days" rule
 * opens an alert, one call drafts the renewal change from it (a standard change from the
 * workspace's approved renewal template, approved at once, then scheduled), the endpoint's
 * certificate is replaced, and the agent's next scan completes the change with that snapshot as
 * its evidence — recorded as the agent, in the transaction that stored the snapshot.
 */
const AGENT = path.join(REPO_ROOT, 'agent', 'bin', 'vigilo-agent.js');
const WS = 'acme';

let world: World;
let agentHome: string;
let agent: ChildProcess | undefined;
let agentLog = '';
let endpoint: tls.Server;

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
  world = await createWorld({ background: true });
  // The alert the renewal starts from is its own rule's; default rules would open others first.
  await removeDefaultAlertRules(world);
  agentHome = await mkdtemp(path.join(os.tmpdir(), 'vigilo-renewal-e2e-'));
  endpoint = tls.createServer(await certificate(10), (socket) => socket.end());
  await new Promise<void>((r) => endpoint.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  if (process.env.VIGILO_E2E_DEBUG) process.stderr.write(agentLog);
  agent?.kill('SIGKILL');
  endpoint?.close();
  await world?.close();
  await rm(agentHome, { recursive: true, force: true });
});

describe('expiry alert → renewal change → replaced certificate → completed change', () => {
  it('closes the loop with a real agent scanning a real endpoint', async () => {
    const admin = world.client('admin');
    const member = world.client('member');
    await admin.alertRules.create.mutate({
      workspace: WS,
      name: 'expires in 30 days',
      predicate: { kind: 'expires_within', days: 30 },
      severity: 'warning',
    });
    // The standard renewal, proposed by one approver and approved by another.
    const template = await world.client('approver').changeTemplates.create.mutate({
      workspace: WS,
      name: 'Renew a loopback certificate',
      implementationPlan: 'issue a new certificate and load it',
      rollbackPlan: 'load the previous certificate',
      renewal: true,
    });
    await admin.changeTemplates.approve.mutate({ workspace: WS, id: template.id });

    const { token } = await admin.agents.createEnrollmentToken.mutate({ workspace: WS, name: 'renewal-e2e' });
    const enroll = spawn(
      process.execPath,
      [
        AGENT,
        'enroll',
        '--server',
        world.server.url,
        '--token',
        token,
        '--home',
        agentHome,
        '--name',
        'renewal-agent',
      ],
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

    const host = await member.hosts.add.mutate({
      workspace: WS,
      hostname: 'localhost',
      port: (endpoint.address() as AddressInfo).port,
      protocol: 'tls',
      intervalS: 300,
      agentId: agentRow!.id,
    });
    const alert = await waitFor(
      'the expiry alert',
      async () =>
        (await member.alerts.list.query({ workspace: WS, hostId: host.id, state: 'open' })).alerts[0],
      30_000,
    );
    expect(alert.summary).toMatch(/expires in (9|10) day/);

    // One call drafts the renewal: approved at once from the template, planned before the expiry.
    const change = await member.changes.draftRenewal.mutate({ workspace: WS, alertId: alert.id });
    const [served] = (await admin.certificates.inventory.query({ workspace: WS })).certificates;
    expect(change).toMatchObject({
      type: 'standard',
      state: 'approved',
      templateId: template.id,
      affectedHostIds: [host.id],
      alertIds: [alert.id],
      certificateFingerprint: served!.fingerprint,
    });
    expect(change.plannedEnd!.getTime()).toBeLessThan(Date.now() + 10 * 86_400_000);
    await member.changes.transition.mutate({ workspace: WS, id: change.id, to: 'scheduled' });

    // The certificate is replaced; an edit of the host makes the agent scan it again now.
    endpoint.setSecureContext(await certificate(120));
    await member.hosts.update.mutate({ workspace: WS, id: host.id, intervalS: 900 });
    const done = await waitFor(
      'the renewal change to complete',
      async () => {
        const c = await member.changes.get.query({ workspace: WS, id: change.id });
        return c.state === 'completed' ? c : undefined;
      },
      30_000,
    );
    const evidence = done.evidence!.snapshots;
    expect(evidence).toHaveLength(1);
    expect(evidence[0]).toMatchObject({ hostId: host.id });
    expect(evidence[0]!.fingerprint).not.toBe(served!.fingerprint);
    expect(Date.parse(evidence[0]!.notAfter)).toBeGreaterThan(Date.now() + 118 * 86_400_000);

    // The evidence is the stored snapshot, and the completion was the agent's, recorded with it.
    const stored = await ownerInWorkspace(world.server.services.db.owner, world.workspace.id, async (c) => ({
      snapshot: (
        await c.query<{ fingerprint: string }>('SELECT fingerprint FROM snapshots WHERE id = $1', [
          evidence[0]!.snapshotId,
        ])
      ).rows[0],
      audit: (
        await c.query<{ actor: string; summary: string }>(
          `SELECT actor_type || ':' || actor_id AS actor, summary FROM audit_events
           WHERE target_id = $1 ORDER BY seq DESC LIMIT 1`,
          [change.id],
        )
      ).rows[0],
    }));
    expect(stored.snapshot?.fingerprint).toBe(evidence[0]!.fingerprint);
    expect(stored.audit?.actor).toBe(`agent:${agentRow!.id}`);
    expect(JSON.parse(stored.audit!.summary)).toMatchObject({
      before: { state: 'scheduled' },
      after: { state: 'completed', automatic: true },
    });

    agent.kill('SIGTERM');
    await new Promise((r) => agent?.once('exit', r));
  }, 120_000);
});
