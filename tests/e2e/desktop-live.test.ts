import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { cipherSuite } from '@vigilo/shared/cipher-suites';
import { gradeSnapshot } from '@vigilo/shared/grading';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { days, issue } from '../../agent/test/fixtures/pki.ts';
import { enrollAgent, type TestAgent } from '../support/agent.ts';
import { REPO_ROOT } from '../support/product.ts';
import { makeSnapshot } from '../support/snapshots.ts';
import { createWorld, type World } from '../support/world.ts';
import type { DesktopCore } from '../../desktop/src/core/desktop-core.ts';
import { buildRenderer } from '../../desktop/src/host/renderer-build.ts';
import { type Host, startHost } from '../../desktop/src/host/server.ts';
import { tempDir } from '../../desktop/test/support/core.ts';
import { launchChromium } from '../support/chromium.ts';
import { stopServing } from '../support/server.ts';
import { openDesktopUi } from '../support/desktop-ui.ts';

// Issue 14 §2 and §6 in Chromium through the headless host: a scan shows on the Certificates
// page without "Sync now"; inbox rows name host:port; `a` acknowledges without a note; the grade
// note does not blame HSTS where HTTP was not checked; a tab that outlived its desktop says it is
// not connected (not "your role can read, not act") and recovers when the new key is pasted in.

const artifacts = fileURLToPath(new URL('../../.tmp/artifacts/desktop/', import.meta.url));
const DAY = 86_400_000;

let world: World;
let browser: Browser;
let agent: TestAgent;
let core: DesktopCore;
let host: Host;
let page: Page;
const dataDir = tempDir();
const rendererDir = path.join(dataDir.dir, 'renderer');

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  // The dispatcher runs as in the product: live events are published as they commit.
  [world, browser] = await Promise.all([
    createWorld({ background: true }),
    launchChromium(),
    buildRenderer(rendererDir),
  ]);
  agent = await enrollAgent(world);
  ({ core, host, page } = await openDesktopUi({
    world,
    browser,
    rendererDir,
    dataDir: dataDir.dir,
    viewport: { width: 1400, height: 900 },
  }));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await host?.close();
  await core?.close();
  await world?.close();
  dataDir.cleanup();
});

// A wait, not a timing assertion: generous because CI runs every test file at once on 2 cores.
const until = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 60_000 });
const shot = (name: string) => page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
const hostRow = (name: string) => page.locator(`[data-testid="host-row"][data-host="${name}"]`);

async function addHost(hostname: string, port = 443): Promise<string> {
  const { id } = await world
    .client('member')
    .hosts.add.mutate({ workspace: 'acme', hostname, port, agentId: agent.id });
  return id;
}

describe('a live desktop in Chromium', () => {
  it('shows the grade a real agent process pushes for a host added while the page is open', async () => {
    const home = path.join(dataDir.dir, 'agent');
    const admin = world.client('admin');
    const { token } = await admin.agents.createEnrollmentToken.mutate({ workspace: 'acme', name: 'live' });
    const cli = path.join(REPO_ROOT, 'agent', 'bin', 'vigilo-agent.js');
    const run = (args: string[]) =>
      spawn(process.execPath, [cli, ...args, '--home', home], { stdio: ['ignore', 'pipe', 'pipe'] });
    const enroll = run(['enroll', '--server', world.server.url, '--token', token, '--name', 'live-agent']);
    let enrollLog = '';
    enroll.stderr?.on('data', (c: Buffer) => (enrollLog += c.toString('utf8')));
    expect(await new Promise<number | null>((r) => enroll.once('exit', r)), enrollLog).toBe(0);
    const agentRow = (await admin.agents.list.query({ workspace: 'acme' })).find(
      (a) => a.name === 'live-agent',
    );
    const leaf = await issue({
      cn: 'localhost',
      dns: ['localhost'],
      ips: ['127.0.0.1'],
      notBefore: days(-1),
      notAfter: days(60),
    });
    const endpoint = tls.createServer({ cert: leaf.pem, key: leaf.keyPem }, (socket) => socket.end());
    await new Promise<void>((r) => endpoint.listen(0, '127.0.0.1', r));
    let daemon: ChildProcess | undefined;
    try {
      daemon = run(['run', '--spread', '0', '--timeout', '5000']);
      await until(() => page.getByTestId('sync-state').getAttribute('data-connection')).toBe('online');
      await page.getByRole('button', { name: 'Certificates' }).click();
      const port = (endpoint.address() as AddressInfo).port;
      await world.client('member').hosts.add.mutate({
        workspace: 'acme',
        hostname: 'localhost',
        port,
        protocol: 'tls',
        intervalS: 300,
        agentId: agentRow!.id,
      });
      // The agent hears of the host through its config long-poll, scans it and pushes; the page
      // shows the grade (T: the test CA is not trusted) with no "Sync now". The new user's flow
      // end to end; a default rule's alert may bring it too, so the tests below, whose scans
      // raise no alert, are the ones that prove the status itself travels live.
      await until(() => hostRow(`localhost:${port}`).getAttribute('data-grade')).toMatch(
        /^(A\+|A|A-|B|C|F|T|M)$/,
      );
      await shot('live-grade-real-agent');
    } finally {
      daemon?.kill('SIGTERM');
      if (daemon && daemon.exitCode === null) await new Promise((r) => daemon?.once('exit', r));
      endpoint.close();
    }
  }, 180_000);

  it('shows a new host’s grade after the agent pushes, without Sync now', async () => {
    await until(() => page.getByTestId('sync-state').getAttribute('data-connection')).toBe('online');
    await page.getByRole('button', { name: 'Certificates' }).click();
    const id = await addHost('live.internal');
    await until(() => hostRow('live.internal:443').count()).toBe(1);
    expect(await hostRow('live.internal:443').textContent()).toContain('not scanned yet');

    const pushedAt = Date.now();
    await agent.push([
      makeSnapshot({
        hostId: id,
        hostname: 'live.internal',
        grade: 'A',
        notAfter: new Date(pushedAt + 90 * DAY),
      }),
    ]);
    await until(() => hostRow('live.internal:443').getAttribute('data-grade')).toBe('A');
    const seenAfterMs = Date.now() - pushedAt;
    // The issue's target is 2 s; the bound here is loose for a loaded CI machine (the core test
    // holds the 2 s bound), but a grade that only came with a periodic or manual sync fails it.
    expect(seenAfterMs).toBeLessThan(10_000);
    await shot('live-grade');
  }, 120_000);

  it('names host:port in the inbox, and `a` acknowledges with no note', async () => {
    await world.client('admin').alertRules.create.mutate({
      workspace: 'acme',
      name: 'live: expiring within 10 days',
      predicate: { kind: 'expires_within', days: 10 },
      severity: 'critical',
    });
    const notAfter = new Date(Date.now() + 3 * DAY);
    for (const port of [443, 18443]) {
      const id = await addHost('localhost', port);
      await agent.push([
        makeSnapshot({ hostId: id, hostname: 'localhost', port, notAfter, certSeed: `p${port}` }),
      ]);
    }
    await page.getByRole('button', { name: 'Inbox' }).click();
    // Two endpoints of one host are two rows that say which is which.
    await until(() => page.getByTestId('inbox-host').allTextContents()).toEqual(
      expect.arrayContaining(['localhost:443', 'localhost:18443']),
    );
    expect(await page.getByTestId('inbox-hint').textContent()).toContain('no note needed');

    // Select the alert on :18443 and acknowledge it with the key alone.
    const target = page.getByTestId('inbox-item').filter({ hasText: 'localhost:18443' }).first();
    await target.click();
    await page.keyboard.press('a');
    await until(() => target.getAttribute('data-acknowledged')).toBe('true');
    const alertId = await target.getAttribute('data-id');
    await until(async () => {
      const { alerts } = await world.client('viewer').alerts.list.query({ workspace: 'acme' });
      const acknowledged = alerts.find((a) => a.id === alertId);
      return acknowledged?.acknowledgedAt ? { note: acknowledged.ackNote } : undefined;
    }).toEqual({ note: null });
    await shot('inbox-ports');
  }, 120_000);

  it('does not blame HSTS on a host whose HTTP was not checked', async () => {
    const id = await addHost('mail.internal', 993);
    const made = makeSnapshot({
      hostId: id,
      hostname: 'mail.internal',
      port: 993,
      scannedAt: new Date(Date.now() - 120_000),
    });
    const X25519 = { type: 'ECDH' as const, group: 'X25519', bits: 253 };
    // A modern TLS endpoint whose suites were enumerated, with no HTTP answer to read HSTS from,
    // graded as the agent grades it.
    const s = {
      ...made,
      tls: made.tls && {
        ...made.tls,
        ciphers: {
          'TLSv1.3': ['TLS_AES_256_GCM_SHA384', 'TLS_AES_128_GCM_SHA256'].map((n) => cipherSuite(n, X25519)),
          'TLSv1.2': ['ECDHE-ECDSA-AES256-GCM-SHA384'].map((n) => cipherSuite(n, X25519)),
        },
      },
    };
    const graded = gradeSnapshot({ tls: s.tls, http: null });
    await agent.push([{ ...s, grade: graded }]);
    expect(graded?.grade).toBe('A');

    await page.getByRole('button', { name: 'Certificates' }).click();
    await until(() => hostRow('mail.internal:993').getAttribute('data-grade')).toBe('A');
    await hostRow('mail.internal:993').dblclick();
    const detail = page.getByTestId('host-detail');
    await until(async () => (await detail.textContent()) ?? '').toContain(
      'HTTP is not checked on this endpoint',
    );
    const text = (await detail.textContent()) ?? '';
    expect(text).not.toContain('no HSTS header');
    expect(text).toContain('not checked (no HTTP on this endpoint)');
    await shot('host-detail-no-http');

    // A later scan that moves the grade refreshes the open detail's history too (chain, posture,
    // the grade's notes), not only the replicated row.
    await agent.push([makeSnapshot({ hostId: id, hostname: 'mail.internal', port: 993, grade: 'B' })]);
    await until(() => detail.locator('.grade').first().getAttribute('data-grade')).toBe('B');
    await until(async () => (await detail.textContent()) ?? '').not.toContain('HTTP is not checked');
  }, 120_000);

  it('says an empty workspace name is refused, and forgets it once the name is typed', async () => {
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('tab', { name: 'Workspace' }).click();
    await page.getByLabel('New name').fill('   ');
    await page.getByRole('button', { name: 'Rename' }).click();
    await until(() => page.getByTestId('field-error-name').textContent()).toBe('name must not be empty');
    await page.getByLabel('New name').fill('Acme Live');
    expect(await page.getByTestId('field-error-name').count()).toBe(0);
    await page.getByRole('button', { name: 'Rename' }).click();
    await until(() => page.getByTestId('workspace-title').textContent()).toBe('Acme Live');
    await until(
      async () => (await world.client('viewer').workspace.get.query({ workspace: 'acme' })).name,
    ).toBe('Acme Live');
  }, 120_000);

  it('comes back by itself when the desktop restarts with its kept key, reading what it missed', async () => {
    await page.getByRole('button', { name: 'Inbox' }).click();
    await until(() => page.getByTestId('sync-state').getAttribute('data-connection')).toBe('online');
    const port = Number(new URL(host.url).port);
    const key = host.key;
    // Dropping its connections as a stopped process would: Fastify's close alone waits for a
    // busy keep-alive connection of the page (see stopServing).
    await stopServing(host.app);
    // While the tab has no desktop, the workspace changes: the core takes it in, the tab cannot.
    await world.client('owner').workspace.update.mutate({ workspace: 'acme', name: 'Acme While Away' });
    await until(() => core.engine.state().workspace?.name).toBe('Acme While Away');
    host = await startHost({ core, rendererDir, port, key });
    await until(() => page.getByTestId('workspace-title').textContent()).toBe('Acme While Away');
    await until(() => page.getByTestId('sync-state').getAttribute('data-connection')).toBe('online');
    expect(await page.getByRole('alert').count()).toBe(0);
  }, 120_000);

  it('says an old tab is not connected after a restart, and recovers with the new key pasted in', async () => {
    await page.getByRole('button', { name: 'Inbox' }).click();
    await until(() => page.getByTestId('inbox-hint').textContent()).toContain('a acknowledge');
    // The desktop host restarts on the same port with a new key; the tab still holds the old one.
    const port = Number(new URL(host.url).port);
    await stopServing(host.app);
    host = await startHost({ core, rendererDir, port });
    await page.reload();
    await until(() => page.getByTestId('sync-state').getAttribute('data-connection')).toBe('not_connected');
    expect(await page.getByRole('alert').textContent()).toContain(
      'not connected to the running Vigilo desktop',
    );
    const hint = (await page.getByTestId('inbox-hint').textContent()) ?? '';
    expect(hint).not.toContain('your role');
    expect(hint).toContain('not connected');
    await shot('tab-not-connected');

    // Pasting the new address changes only the fragment: the page must take the key itself.
    await page.evaluate((key: string) => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = `key=${key}`;
    }, host.key);
    await until(() => page.getByTestId('sync-state').getAttribute('data-connection')).toBe('online');
    await until(() => page.getByTestId('inbox-hint').textContent()).toContain('a acknowledge');
    expect(await page.getByRole('alert').count()).toBe(0);
  }, 120_000);
});
