import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { days, issue } from '../../agent/test/fixtures/pki.ts';
import { launchChromium } from '../support/chromium.ts';
import { processesMatching, waitFor } from '../support/processes.ts';
import { npmStart, type Product, REPO_ROOT } from '../support/product.ts';
import { isSignedWebhook, startWebhookReceiver } from '../support/webhooks.ts';

/**
 * Issue 14's new user, alone with the product: `npm start` on a fresh data folder, the printed
 * desktop URL opened in Chromium, the printed owner password typed into the sign-in form; then
 * everything from the desktop, never the API: the demo hosts graded and the default rules'
 * alerts, a host added and graded without "Sync now", a rule created, a webhook channel to a
 * real receiver sent a signed test event, a member invited, a second real agent enrolled from a
 * token made on the Agents page and a host moved to it, a rule removed. Screenshots of each page
 * are kept in .tmp/artifacts/new-user/.
 */
const artifacts = fileURLToPath(new URL('../../.tmp/artifacts/new-user/', import.meta.url));

let home: string;
let product: Product;
let browser: Browser;
let page: Page;
let endpoint: tls.Server;
let endpointPort: number;
let secondAgent: ChildProcess | undefined;
let demoPorts: Map<string, number>;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
const RULE = 'My services expire within 60 days';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  await mkdir(artifacts, { recursive: true });
  home = await mkdtemp(path.join(os.tmpdir(), 'vigilo-new-user-'));
  // As root, the embedded Postgres runs as an unprivileged user who must traverse the folder.
  await chmod(home, 0o755);
  // The new user's own service, to add as a host: a certificate from a CA nobody trusts.
  const leaf = await issue({ cn: 'localhost', dns: ['localhost'], ips: ['127.0.0.1'], notAfter: days(60) });
  endpoint = tls.createServer({ cert: leaf.pem, key: leaf.keyPem }, (socket) => socket.end());
  endpointPort = await new Promise<number>((resolve) =>
    endpoint.listen(0, '127.0.0.1', () => resolve((endpoint.address() as net.AddressInfo).port)),
  );
  const port = String(await freePort());
  product = npmStart({
    VIGILO_HOME: path.join(home, 'vigilo'),
    VIGILO_PORT: port,
    VIGILO_DESKTOP_PORT: '0',
    // The webhook receiver of this test listens on loopback, which deliveries may not reach
    // unless an operator opens it.
    VIGILO_OUTBOUND_ALLOW: '10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,127.0.0.1/32',
  });
  [browser, receiver] = await Promise.all([launchChromium(), startWebhookReceiver()]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (secondAgent?.pid && secondAgent.exitCode === null) process.kill(-secondAgent.pid, 'SIGKILL');
  if (product?.child.pid && product.child.exitCode === null) {
    process.kill(-product.child.pid, 'SIGTERM');
    await Promise.race([product.exited, new Promise((r) => setTimeout(r, 20_000))]);
  }
  for (const pid of processesMatching(home)) process.kill(pid, 'SIGKILL');
  endpoint?.close();
  await receiver?.close();
  await rm(home, { recursive: true, force: true });
});

// A wait, not a timing assertion: generous because CI runs every test file at once on 2 cores.
const until = <T>(fn: () => T | Promise<T>, timeout = 60_000) => expect.poll(fn, { timeout });
const shot = (name: string) => page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
const hostRow = (hostPort: string) => page.locator(`[data-testid="host-row"][data-host="${hostPort}"]`);
const openSettings = async (tab: string) => {
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await page.getByRole('tab', { name: tab, exact: true }).click();
};

describe('a new user, alone with npm start and the desktop', () => {
  it('signs in with the printed password and sees the demo hosts graded and the default rules alerting', async () => {
    const url = await waitFor(
      `the desktop URL\n${product.output()}`,
      () => {
        if (product.child.exitCode !== null) throw new Error(`npm start exited:\n${product.output()}`);
        return /Vigilo desktop: (http:\/\/127\.0\.0\.1:\d+\/#key=[\w-]+)/.exec(product.output())?.[1];
      },
      // A first start builds the renderer; CI runs every file at once on 2 cores.
      150_000,
    );
    const password = /with password (\S+)/.exec(product.output())?.[1] ?? '';
    // The demo's introduction follows once the local agent has enrolled.
    const intro = await waitFor(
      `the demo's introduction\n${product.output()}`,
      () => (product.output().includes('--no-demo or VIGILO_DEMO=0') ? product.output() : undefined),
      60_000,
    );
    demoPorts = new Map(
      [...intro.matchAll(/localhost:(\d+)\s+(demo-[a-z-]+)/g)].map((m) => [m[2]!, Number(m[1])]),
    );
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
    await page.getByLabel('Email').waitFor({ timeout: 60_000 });
    await page.getByLabel('Email').fill('owner@vigilo.local');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await until(() => page.getByTestId('workspace-switcher').inputValue()).toBe('demo');
    await until(() => page.getByTestId('sync-state').getAttribute('data-connection')).toBe('online');

    // The default rules' alerts on the demo hosts: two expiry alerts, grade below B twice,
    // the hostname mismatch (README's quickstart table).
    await until(() => page.getByTestId('inbox-count').textContent()).toBe('5');
    await shot('inbox');

    await page.getByRole('button', { name: 'Certificates', exact: true }).click();
    const grades: Record<string, string> = {
      'demo-good': 'A+',
      'demo-expiring': 'A+',
      'demo-weak-tls': 'C',
      'demo-wrong-name': 'M',
    };
    expect([...demoPorts.keys()].sort()).toEqual(Object.keys(grades).sort());
    for (const [tag, grade] of Object.entries(grades)) {
      await until(() => hostRow(`localhost:${demoPorts.get(tag)}`).getAttribute('data-grade')).toBe(grade);
    }
    await until(() =>
      hostRow(`localhost:${demoPorts.get('demo-expiring')}`)
        .getByTestId('days-left')
        .textContent(),
    ).toBe('5 d left');
    await shot('certificates-demo');
  }, 240_000);

  it('adds a host and sees its grade appear without pressing Sync now', async () => {
    const form = page.getByRole('form', { name: 'Add host' });
    await form.getByLabel('Hostname').fill('localhost');
    await form.getByLabel('Port').fill(String(endpointPort));
    await form.getByLabel('Tags').fill('mine');
    // No default agent is set on a first start: the server gives the host its only agent.
    await form.getByRole('button', { name: 'Add host' }).click();
    await until(() => page.getByTestId('add-host-result').textContent()).toContain(
      `Added localhost:${endpointPort}; local agent scans it within seconds.`,
    );
    // The certificate's CA is trusted by nobody: graded T, live from the agent's push.
    await until(() => hostRow(`localhost:${endpointPort}`).getAttribute('data-grade')).toBe('T');
    await shot('certificates-host-added');
  }, 120_000);

  it('creates a rule, seeing how many hosts it matches before saving', async () => {
    await openSettings('Alert rules');
    const rules = page.getByTestId('page-alert-rules');
    // The defaults every new workspace starts with.
    await until(() => rules.getByTestId('rule-row').count()).toBe(7);
    await shot('settings-alert-rules-defaults');
    await rules.getByRole('button', { name: 'New rule' }).click();
    const form = page.getByTestId('rule-form');
    await form.getByLabel('Rule name').fill(RULE);
    await form.getByLabel('Alert when').selectOption({ label: 'Certificate expires within' });
    await form.getByLabel('Threshold (days)').fill('60');
    await form.getByLabel('Hosts with a tag').check();
    await form.getByLabel('Tag', { exact: true }).fill('mine');
    await until(() => page.getByTestId('rule-preview').textContent()).toBe(
      'This rule matches 1 host, 1 firing now.',
    );
    await form.getByRole('button', { name: 'Save rule' }).click();
    const row = page.locator(`[data-testid="rule-row"][data-name="${RULE}"]`);
    await until(() => row.getByTestId('rule-matches').textContent()).toMatch(/^matches 1 host, 1 firing now/);
    await shot('settings-alert-rules');
  }, 120_000);

  it('creates a webhook channel to a real receiver and sends it a signed test event', async () => {
    await openSettings('Channels');
    await page.getByRole('button', { name: 'New channel' }).click();
    const form = page.getByTestId('channel-form');
    await form.getByLabel('Channel name').fill('My webhook');
    await form.getByLabel('Kind').selectOption('webhook');
    await form.getByLabel('Receiver URL').fill(receiver.url);
    await form.getByRole('button', { name: 'Save channel' }).click();
    const secretText = page.getByTestId('webhook-secret');
    await until(() => secretText.count()).toBe(1);
    const secret = (await secretText.textContent()) ?? '';
    expect(secret).toMatch(/^whsec_/);
    await page.getByRole('button', { name: 'I have saved it' }).click();

    const row = page.locator('[data-testid="channel-row"][data-name="My webhook"]');
    await row.getByRole('button', { name: 'Send test event' }).click();
    await until(() => row.getByTestId('test-result').textContent()).toMatch(
      /^Test event: Delivered: HTTP 200/,
    );
    const tests = receiver.received.filter((r) => r.body.includes('"channel.tested"'));
    expect(tests).toHaveLength(1);
    expect(isSignedWebhook(tests[0]!.headers, tests[0]!.body, secret)).toBe(true);
    await shot('settings-channels');
  }, 120_000);

  it('invites a member who has never signed in', async () => {
    await openSettings('Members');
    await page.getByRole('button', { name: 'Invite member' }).click();
    const form = page.getByTestId('invite-form');
    await form.getByLabel('Email').fill('colleague@example.test');
    await form.getByLabel('Role').selectOption('member');
    await form.getByRole('button', { name: 'Invite' }).click();
    // The built-in provider makes the account: a one-time code for the admin to hand over.
    await until(() => page.getByTestId('invite-code').count()).toBe(1);
    const row = page.locator('[data-testid="member-row"][data-email="colleague@example.test"]');
    await until(() => row.getAttribute('data-status')).toBe('invited');
    await shot('settings-members');
    await page.getByTestId('invite-setup').getByRole('button', { name: 'Done' }).click();
  }, 120_000);

  it('creates an enrollment token, enrolls a second real agent with the shown command, and moves the host to it', async () => {
    await openSettings('Agents');
    const agents = page.getByTestId('page-agents');
    await until(() => agents.getByTestId('agent-row').count()).toBe(1);
    await agents.getByLabel('Token name').fill('second agent');
    await agents.getByRole('button', { name: 'Create enrollment token' }).click();
    const command = (await agents.getByTestId('enroll-command').textContent()) ?? '';
    expect(command).toMatch(/^npx vigilo-agent enroll --server http:\/\/127\.0\.0\.1:\d+\/? --token \S+$/);
    await shot('settings-agents-token');

    // The command as shown, in a shell at the repository (where `npx vigilo-agent` resolves),
    // with a home of its own so it does not touch ~/.vigilo-agent.
    const agentHome = path.join(home, 'second-agent');
    const enrolled = spawnSync('sh', ['-c', `${command} --home ${agentHome}`], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(enrolled.status, enrolled.stdout + enrolled.stderr).toBe(0);
    secondAgent = spawn('npx', ['vigilo-agent', 'run', '--home', agentHome, '--spread', '0'], {
      cwd: REPO_ROOT,
      stdio: 'ignore',
      detached: true,
    });

    // The page shows it once it has enrolled (re-read when the tab opens again).
    await openSettings('Members');
    await openSettings('Agents');
    await until(() => agents.getByTestId('agent-row').count()).toBe(2);
    const secondName = await agents
      .getByTestId('agent-row')
      .evaluateAll((rows: unknown[]) =>
        rows
          .map((r) => (r as { getAttribute(n: string): string | null }).getAttribute('data-agent'))
          .find((n) => n !== 'local agent'),
      );
    expect(secondName).toBeTruthy();

    const move = page.getByRole('form', { name: 'Move hosts' });
    await move.getByLabel('Move from').selectOption({ label: 'local agent' });
    await move.getByLabel('Hosts to move').selectOption({ label: `localhost:${endpointPort}` });
    await move.getByLabel('Move to').selectOption({ label: secondName! });
    await move.getByRole('button', { name: 'Move hosts' }).click();
    await until(() => page.getByTestId('move-hosts-result').textContent()).toBe(
      `Moved 1 host to ${secondName}.`,
    );
    const row = agents.locator(`[data-testid="agent-row"][data-agent="${secondName}"]`);
    await until(() => row.getByTestId('agent-hosts').textContent()).toBe('1');
    // The second agent scans it: its status says so once it has pushed a scan.
    await until(() => {
      const status = spawnSync('npx', ['vigilo-agent', 'status', '--home', agentHome, '--json'], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      });
      const s = (
        JSON.parse(status.stdout || '{}') as {
          state?: { hosts: number; scans_done: number; last_push_at: string | null };
        }
      ).state;
      return s && s.hosts === 1 && s.scans_done >= 1 && s.last_push_at
        ? 'scanned and pushed'
        : JSON.stringify(s);
    }).toBe('scanned and pushed');
    await shot('settings-agents-moved');
  }, 180_000);

  it('removes a rule', async () => {
    await openSettings('Alert rules');
    const row = page.locator(`[data-testid="rule-row"][data-name="${RULE}"]`);
    await row.getByRole('button', { name: 'Remove' }).click();
    await row.getByRole('button', { name: 'Yes, remove' }).click();
    await until(() => row.count()).toBe(0);
    await until(() => page.getByTestId('rules-result').textContent()).toBe(`Removed ${RULE}.`);
    await until(() => page.getByTestId('rule-row').count()).toBe(7);
  }, 120_000);

  it('shows the API tokens and maintenance pages (screenshots)', async () => {
    await openSettings('API tokens');
    await page.getByTestId('page-api-tokens').waitFor();
    await shot('settings-api-tokens');
    await openSettings('Maintenance');
    await page.getByRole('button', { name: 'Schedule maintenance' }).waitFor();
    await shot('settings-maintenance');
  }, 60_000);
});
