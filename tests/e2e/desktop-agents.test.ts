import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent, type TestAgent } from '../support/agent.ts';
import { launchChromium } from '../support/chromium.ts';
import { type DesktopUi, openDesktopUi } from '../support/desktop-ui.ts';
import { createWorld, type World } from '../support/world.ts';
import { buildRenderer } from '../../desktop/src/host/renderer-build.ts';
import { tempDir } from '../../desktop/test/support/core.ts';

/**
 * Issue 14 §3 and the Agents admin page, from the desktop alone, in Chromium through the
 * headless host: an admin creates an enrollment token, a real second `vigilo-agent` process
 * enrolls with the command the page shows, the page lists it with its version, the admin makes
 * it the default and moves a host to it, then adds hosts with the form's agent picker (an invalid
 * hostname named in words under its field; a host of no agent flagged in the list).
 * Screenshots go to .tmp/artifacts/desktop/.
 */

const artifacts = fileURLToPath(new URL('../../.tmp/artifacts/desktop/', import.meta.url));
const AGENT_BIN = fileURLToPath(new URL('../../agent/bin/vigilo-agent.js', import.meta.url));
const AGENT_VERSION = (
  JSON.parse(readFileSync(new URL('../../agent/package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

let world: World;
let browser: Browser;
let first: TestAgent;
let ui: DesktopUi;
let agentProcess: ChildProcess | undefined;
const dirs: Array<{ dir: string; cleanup(): void }> = [];
let rendererDir: string;

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  const renderer = tempDir();
  dirs.push(renderer);
  rendererDir = path.join(renderer.dir, 'renderer');
  [world, browser] = await Promise.all([createWorld(), launchChromium(), buildRenderer(rendererDir)]);
  first = await enrollAgent(world, 'first-agent');
  for (const hostname of ['web.internal', 'mail.internal'])
    await world
      .client('admin')
      .hosts.add.mutate({ workspace: 'acme', hostname, port: 443, agentId: first.id });
}, 180_000);

afterAll(async () => {
  if (agentProcess && agentProcess.exitCode === null) {
    agentProcess.kill('SIGTERM');
    await new Promise((r) => agentProcess?.once('exit', r));
  }
  await ui?.close();
  await browser?.close();
  await world?.close();
  for (const d of dirs) d.cleanup();
});

// A wait, not a timing assertion: generous because CI runs every test file at once on 2 cores.
const until = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 60_000 });
const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });

/** Runs the agent CLI to its end; resolves with its output. */
function runAgent(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AGENT_BIN, ...args], { stdio: 'pipe' });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

const hostsOnServer = () => world.client('admin').hosts.list.query({ workspace: 'acme' });
const agentsOnServer = () => world.client('admin').agents.list.query({ workspace: 'acme' });

describe('agents from the desktop alone, in Chromium', () => {
  let secondId = '';

  it('creates an enrollment token whose shown command enrolls a real second agent, listed with its version', async () => {
    const data = tempDir();
    dirs.push(data);
    ui = await openDesktopUi({
      world,
      browser,
      rendererDir,
      dataDir: data.dir,
      who: 'admin',
      viewport: { width: 1400, height: 900 },
      colorScheme: 'light',
    });
    const { page } = ui;
    await until(() => page.getByTestId('sync-state').getAttribute('data-connection')).toBe('online');
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await page.getByRole('tab', { name: 'Agents', exact: true }).click();
    const rows = page.getByTestId('agent-row');
    await until(() => rows.count()).toBe(1);

    // An empty name is refused under its field, in words.
    await page.getByRole('button', { name: 'Create enrollment token' }).click();
    await until(() => page.getByTestId('field-error-name').textContent()).toBe('name must not be empty');
    await page.getByLabel('Token name').fill('second site');
    await page.getByRole('button', { name: 'Create enrollment token' }).click();
    const command = (await page.getByTestId('enroll-command').textContent()) ?? '';
    expect(command).toMatch(
      new RegExp(
        `^npx vigilo-agent enroll --server ${world.server.url.replace(/[.]/g, '\\.')} --token vge_\\S+$`,
      ),
    );
    await shot(page, 'agents-enrollment-token');

    // The shown command, run for real (the repository's launcher instead of npx).
    const [, ...args] = command.replace(/^npx /, '').split(' ');
    const home = tempDir('vigilo-agent-home-');
    dirs.push(home);
    const enrolled = await runAgent([...args, '--home', home.dir, '--name', 'second-agent']);
    expect(enrolled, enrolled.out).toMatchObject({ code: 0 });
    agentProcess = spawn(process.execPath, [AGENT_BIN, 'run', '--home', home.dir, '--spread', '0'], {
      stdio: 'ignore',
    });
    // The running agent reports its spool depth with its first config pull.
    await until(
      async () => (await agentsOnServer()).find((a) => a.name === 'second-agent')?.spoolDepth ?? null,
    ).toBe(0);

    await page.getByRole('button', { name: 'Refresh agents' }).click();
    await until(() => rows.count()).toBe(2);
    const second = page.locator('[data-testid="agent-row"][data-agent="second-agent"]');
    await until(() => second.getByTestId('agent-version').textContent()).toBe(AGENT_VERSION);
    await until(() => second.getByTestId('agent-spool').textContent()).toBe('0');
    secondId = (await agentsOnServer()).find((a) => a.name === 'second-agent')?.id ?? '';
    expect(secondId).not.toBe('');
  }, 180_000);

  it('makes the second agent the default and moves a host to it', async () => {
    const { page } = ui;
    await page.getByRole('combobox', { name: 'Default agent' }).selectOption({ label: 'second-agent' });
    await page.getByRole('button', { name: 'Set default agent' }).click();
    await until(() => page.getByTestId('default-agent-result').textContent()).toBe(
      'New hosts now go to second-agent.',
    );
    const second = page.locator('[data-testid="agent-row"][data-agent="second-agent"]');
    await until(() => second.textContent()).toContain('default');
    expect((await world.client('admin').workspace.get.query({ workspace: 'acme' })).defaultAgentId).toBe(
      secondId,
    );

    await page.getByLabel('Move from').selectOption({ label: 'first-agent' });
    await page.getByLabel('Hosts to move').selectOption({ label: 'mail.internal:443' });
    await page.getByLabel('Move to').selectOption({ label: 'second-agent' });
    await page.getByRole('button', { name: 'Move hosts' }).click();
    await until(() => page.getByTestId('move-hosts-result').textContent()).toBe(
      'Moved 1 host to second-agent.',
    );
    await until(() => second.getByTestId('agent-hosts').textContent()).toBe('1');
    expect((await hostsOnServer()).find((h) => h.hostname === 'mail.internal')?.agentId).toBe(secondId);
    await shot(page, 'agents-admin');
  }, 180_000);

  it('adds hosts with the picker on the default agent, names a bad hostname, and flags a host of no agent', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'Certificates', exact: true }).click();
    const form = page.getByRole('form', { name: 'Add host' });
    const picker = form.getByLabel('Agent', { exact: true });
    await until(() => picker.inputValue()).toBe(secondId);
    expect(await form.getByText('Port', { exact: true }).count()).toBe(1);

    await form.getByLabel('Hostname').fill('https://bad host');
    await form.getByRole('button', { name: 'Add host' }).click();
    const fieldError = form.getByTestId('field-error-hostname');
    await until(() => fieldError.count()).toBe(1);
    expect(await fieldError.textContent()).toMatch(/hostname/);
    const refused = (await form.getByTestId('add-host-result').textContent()) ?? '';
    expect(refused).toMatch(/^Not added: /);
    expect(refused).not.toContain('"code"');
    await shot(page, 'add-host-field-error');
    // An empty hostname is the browser's to refuse: the earlier answer leaves the screen.
    await form.getByLabel('Hostname').fill('');
    await form.getByRole('button', { name: 'Add host' }).click();
    await until(() => form.getByTestId('add-host-result').count()).toBe(0);
    expect(await fieldError.count()).toBe(0);

    await form.getByLabel('Hostname').fill('api.internal');
    await form.getByRole('button', { name: 'Add host' }).click();
    await until(() => form.getByTestId('add-host-result').textContent()).toBe(
      'Added api.internal:443; second-agent scans it within seconds.',
    );
    expect((await hostsOnServer()).find((h) => h.hostname === 'api.internal')?.agentId).toBe(secondId);

    await form.getByLabel('Hostname').fill('nobody.internal');
    await picker.selectOption({ label: 'No agent (not scanned)' });
    await form.getByRole('button', { name: 'Add host' }).click();
    await until(() => form.getByTestId('add-host-result').textContent()).toContain(
      'Added nobody.internal:443, but no agent will scan this host',
    );
    const flagged = page.locator('[data-testid="host-row"][data-host="nobody.internal:443"]');
    await until(() => flagged.getAttribute('data-unassigned')).toBe('true');
    expect(await flagged.textContent()).toContain('no agent: not scanned');
    await until(() => page.getByTestId('unassigned-count').textContent()).toBe('1 without an agent');
    await shot(page, 'certificates-unassigned');
  }, 180_000);
});
