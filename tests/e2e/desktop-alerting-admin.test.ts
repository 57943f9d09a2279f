import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WEBHOOK_SECRET_PATTERN } from '@vigilo/shared/channels';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent } from '../support/agent.ts';
import { launchChromium } from '../support/chromium.ts';
import { type DesktopUi, openDesktopUi } from '../support/desktop-ui.ts';
import { makeSnapshot } from '../support/snapshots.ts';
import { isSignedWebhook, startWebhookReceiver } from '../support/webhooks.ts';
import { createWorld, type World } from '../support/world.ts';
import { buildRenderer } from '../../desktop/src/host/renderer-build.ts';
import { tempDir } from '../../desktop/test/support/core.ts';

/**
 * Issue 14's Alert rules and Channels pages, from the desktop alone, in Chromium through the
 * headless host, against a server doing its own background work: an admin opens a new rule's
 * form from the command palette and writes the rule (the refused fields named beside them, the
 * hosts it matches counted while it is written and listed after), edits it to one host, removes
 * it; then opens a new channel's form the same way, creates a webhook channel to a real loopback
 * receiver, reads its secret once, sends a test event that arrives signed and shows in the
 * delivery log, and disables and re-enables the channel. Screenshots go to .tmp/artifacts/desktop/.
 */

const artifacts = fileURLToPath(new URL('../../.tmp/artifacts/desktop/', import.meta.url));
const DAY = 86_400_000;
const RULE = 'Prod certificates expiring';

let world: World;
let browser: Browser;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
const dirs: Array<{ dir: string; cleanup(): void }> = [];
let rendererDir: string;
let admin: DesktopUi | undefined;

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  const renderer = tempDir();
  dirs.push(renderer);
  rendererDir = path.join(renderer.dir, 'renderer');
  [world, browser, receiver] = await Promise.all([
    createWorld({ background: true }),
    launchChromium(),
    startWebhookReceiver(),
    buildRenderer(rendererDir),
  ]);
  // Three hosts, two tagged prod and scanned (one certificate expiring in 3 days), one never scanned.
  const agent = await enrollAgent(world, 'e2e-rules');
  const add = async (hostname: string, tags: string[]) =>
    (
      await world
        .client('admin')
        .hosts.add.mutate({ workspace: 'acme', hostname, port: 443, tags, agentId: agent.id })
    ).id;
  const soon = await add('soon.internal', ['prod']);
  const later = await add('later.internal', ['prod']);
  await add('lab.internal', []);
  await agent.push([
    makeSnapshot({ hostId: soon, hostname: 'soon.internal', notAfter: new Date(Date.now() + 3 * DAY) }),
    makeSnapshot({ hostId: later, hostname: 'later.internal', notAfter: new Date(Date.now() + 300 * DAY) }),
  ]);
}, 180_000);

afterAll(async () => {
  await admin?.close();
  await browser?.close();
  await receiver?.close();
  await world?.close();
  for (const d of dirs) d.cleanup();
});

// A wait, not a timing assertion: generous because CI runs every test file at once on 2 cores.
const until = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 60_000 });
const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
const ruleRow = (page: Page) => page.locator(`[data-testid="rule-row"][data-name="${RULE}"]`);
const serverRules = () => world.client('admin').alertRules.list.query({ workspace: 'acme' });

async function settingsTab(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await page.getByRole('tab', { name, exact: true }).click();
}

/** Runs a command of the palette (Ctrl+K) by typing its name. */
async function fromPalette(page: Page, typed: string, command: string): Promise<void> {
  await page.keyboard.press('Control+k');
  await until(() => page.getByTestId('palette').count()).toBe(1);
  await page.keyboard.type(typed);
  await until(() => page.getByTestId('palette-command').first().textContent()).toBe(command);
  await page.keyboard.press('Enter');
  await until(() => page.getByTestId('palette').count()).toBe(0);
}

describe('alert rules and channels from the desktop, in Chromium', () => {
  it('creates a rule seeing its match count, edits it to one host, and removes it', async () => {
    const data = tempDir();
    dirs.push(data);
    admin = await openDesktopUi({
      world,
      browser,
      rendererDir,
      dataDir: data.dir,
      who: 'admin',
      viewport: { width: 1400, height: 900 },
      colorScheme: 'light',
    });
    const { page } = admin;
    await until(() => page.getByTestId('sync-state').getAttribute('data-connection')).toBe('online');
    // From the command palette: Settings › Alert rules opens with its create form.
    await fromPalette(page, 'new alert rule', 'New alert rule');
    const form = page.getByTestId('rule-form');
    await until(() => form.count()).toBe(1);
    expect(
      await page.getByRole('tab', { name: 'Alert rules', exact: true }).getAttribute('aria-selected'),
    ).toBe('true');

    // A threshold out of range and an empty tag: named beside their fields, nothing stored.
    await form.getByLabel('Threshold (days)').fill('0');
    await form.getByLabel('Hosts with a tag').check();
    await form.getByRole('button', { name: 'Save rule' }).click();
    await until(() => page.getByTestId('field-error-predicate.days').textContent()).toBe(
      'days must be a whole number from 1 to 3650',
    );
    await until(() => page.getByTestId('field-error-scope.tag').textContent()).toBe('tag must not be empty');
    // Then the server's own words for the name it refuses.
    await form.getByLabel('Threshold (days)').fill('30');
    await form.getByLabel('Tag', { exact: true }).fill('prod');
    await form.getByRole('button', { name: 'Save rule' }).click();
    await until(() => page.getByTestId('field-error-name').textContent()).toBe('name must not be empty');
    expect((await serverRules()).some((r) => r.name === RULE)).toBe(false);

    await form.getByLabel('Rule name').fill(RULE);
    await form.getByLabel('Severity').selectOption('critical');
    await until(() => page.getByTestId('rule-preview').textContent()).toBe(
      'This rule matches 2 hosts, 1 firing now.',
    );
    await form.getByRole('button', { name: 'Save rule' }).click();
    await until(() => ruleRow(page).getByTestId('rule-matches').textContent()).toBe(
      'matches 2 hosts, 1 firing now · 1 open alert',
    );
    expect(await ruleRow(page).textContent()).toContain(
      'Certificate expires within 30 days · hosts tagged prod',
    );
    await shot(page, 'settings-alert-rules');

    // Disabling or removing it would resolve its open alert: both say so before anything is sent.
    await ruleRow(page).getByRole('button', { name: 'Edit' }).click();
    await form.getByLabel('Enabled').uncheck();
    await until(() => page.getByTestId('rule-disable-note').textContent()).toBe(
      'Saving resolves its 1 open alert; enabled again, it is evaluated at once.',
    );
    await form.getByRole('button', { name: 'Cancel' }).click();
    await ruleRow(page).getByRole('button', { name: 'Remove' }).click();
    expect(
      await ruleRow(page)
        .getByRole('group', { name: `Remove ${RULE}?` })
        .textContent(),
    ).toContain(`Remove ${RULE} and its alerts' history? Its 1 open alert will be resolved first.`);
    await ruleRow(page).getByRole('button', { name: 'Keep it' }).click();
    expect((await serverRules()).find((r) => r.name === RULE)).toMatchObject({
      enabled: true,
      openAlerts: 1,
    });

    // Edited to one host, picked by name; the count follows while the form is open.
    await ruleRow(page).getByRole('button', { name: 'Edit' }).click();
    await form.getByLabel('One host').check();
    await form.getByLabel('Host', { exact: true }).selectOption({ label: 'later.internal:443' });
    await until(() => page.getByTestId('rule-preview').textContent()).toBe(
      'This rule matches 1 host, 0 firing now.',
    );
    await form.getByLabel('Open after (evaluations in a row)').fill('2');
    await form.getByRole('button', { name: 'Save rule' }).click();
    await until(() => ruleRow(page).getByTestId('rule-matches').textContent()).toBe(
      'matches 1 host, 0 firing now',
    );
    expect(await ruleRow(page).textContent()).toContain('only later.internal:443 · opens after 2');
    const edited = (await serverRules()).find((r) => r.name === RULE);
    expect(edited).toMatchObject({ severity: 'critical', openAfter: 2, scope: { kind: 'host' } });

    // Removed after a confirmation; keeping it first changes nothing.
    await ruleRow(page).getByRole('button', { name: 'Remove' }).click();
    await ruleRow(page).getByRole('button', { name: 'Keep it' }).click();
    expect((await serverRules()).some((r) => r.name === RULE)).toBe(true);
    await ruleRow(page).getByRole('button', { name: 'Remove' }).click();
    await ruleRow(page).getByRole('button', { name: 'Yes, remove' }).click();
    await until(() => ruleRow(page).count()).toBe(0);
    expect((await serverRules()).some((r) => r.name === RULE)).toBe(false);
  }, 180_000);

  it('creates a webhook channel, shows its secret once, and a test event arrives signed and in the log', async () => {
    if (!admin) throw new Error('the first test opens the desktop');
    const { page } = admin;
    await settingsTab(page, 'Workspace');
    await fromPalette(page, 'new channel', 'New channel');
    const form = page.getByTestId('channel-form');
    await until(() => form.count()).toBe(1);
    await form.getByLabel('Channel name').fill('Ops webhook');
    await form.getByLabel('Kind').selectOption('webhook');
    await form.getByLabel('Receiver URL').fill('not a url');
    await form.getByRole('button', { name: 'Save channel' }).click();
    await until(() => page.getByTestId('field-error-config.url').textContent()).toBe(
      'url must be an http:// or https:// URL',
    );
    await form.getByLabel('Receiver URL').fill(receiver.url);
    await form.getByRole('button', { name: 'Save channel' }).click();

    const secretText = page.getByTestId('webhook-secret');
    await until(() => secretText.count()).toBe(1);
    const secret = (await secretText.textContent()) ?? '';
    expect(secret).toMatch(WEBHOOK_SECRET_PATTERN);
    await page.getByRole('button', { name: 'I have saved it' }).click();
    await until(() => secretText.count()).toBe(0);
    // Never shown again: not on the page, not in what the server lists.
    expect(await page.getByTestId('page-channels').textContent()).not.toContain(secret);
    expect(
      JSON.stringify(await world.client('admin').channels.list.query({ workspace: 'acme' })),
    ).not.toContain(secret.slice(6));

    const row = page.locator('[data-testid="channel-row"][data-name="Ops webhook"]');
    await row.getByRole('button', { name: 'Send test event' }).click();
    await until(() => row.getByTestId('test-result').textContent()).toMatch(
      /^Test event: Delivered: HTTP 200 \(2 bytes\) in \d+ ms$/,
    );
    const tests = receiver.received.filter((r) => r.body.includes('"channel.tested"'));
    expect(tests).toHaveLength(1);
    const hook = tests[0]!;
    expect(isSignedWebhook(hook.headers, hook.body, secret)).toBe(true);
    expect(JSON.parse(hook.body)).toMatchObject({
      type: 'channel.tested',
      data: { name: 'Ops webhook', test: true },
    });
    const logRow = row.getByTestId('delivery-row');
    await until(() => logRow.count()).toBe(1);
    expect(await logRow.getAttribute('data-status')).toBe('succeeded');
    expect(await logRow.textContent()).toMatch(
      /^channel\.tested test\s*succeeded1HTTP 200 \(2 bytes\) in \d+ ms/,
    );
    await shot(page, 'settings-channels');

    // Disabled, then re-enabled from the row.
    await row.getByRole('button', { name: 'Disable' }).click();
    await until(() => row.getAttribute('data-enabled')).toBe('false');
    await row.getByRole('button', { name: 'Re-enable' }).click();
    await until(() => row.getAttribute('data-enabled')).toBe('true');
    const channels = await world.client('admin').channels.list.query({ workspace: 'acme' });
    expect(channels.find((c) => c.name === 'Ops webhook')).toMatchObject({
      name: 'Ops webhook',
      enabled: true,
      consecutiveFailures: 0,
    });
  }, 180_000);
});
