import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, outcome } from '../support/client.ts';
import { launchChromium } from '../support/chromium.ts';
import { type DesktopUi, openDesktopUi } from '../support/desktop-ui.ts';
import { createWorld, type World } from '../support/world.ts';
import { buildRenderer } from '../../desktop/src/host/renderer-build.ts';
import { tempDir } from '../../desktop/test/support/core.ts';

/**
 * Issue 14's Members, API tokens and Maintenance pages, from the desktop alone, in Chromium
 * through the headless host: the palette's "Invite member" opens the invite form, an invitation
 * shows its one-time setup code, a role is changed, an API token is shown once and revoked, a
 * maintenance window is scheduled, edited and cancelled, and a snooze is lifted. Each step is
 * checked on the server too. Screenshots go to .tmp/artifacts/desktop/.
 */

const artifacts = fileURLToPath(new URL('../../.tmp/artifacts/desktop/', import.meta.url));
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let world: World;
let browser: Browser;
let ui: DesktopUi;
let hostId = '';
let snoozeId = '';
const dirs: Array<{ dir: string; cleanup(): void }> = [];

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  const renderer = tempDir();
  dirs.push(renderer);
  const rendererDir = path.join(renderer.dir, 'renderer');
  [world, browser] = await Promise.all([createWorld(), launchChromium(), buildRenderer(rendererDir)]);
  const owner = world.client('owner');
  hostId = (
    await owner.hosts.add.mutate({
      workspace: 'acme',
      hostname: 'db.example.internal',
      port: 5432,
      tags: ['db'],
    })
  ).id;
  snoozeId = (
    await world.client('member').alerts.snooze.mutate({
      workspace: 'acme',
      hostId,
      until: new Date(Date.now() + DAY),
      reason: 'disk swap',
    })
  ).id;
  const data = tempDir();
  dirs.push(data);
  ui = await openDesktopUi({
    world,
    browser,
    rendererDir,
    dataDir: data.dir,
    who: 'owner',
    viewport: { width: 1400, height: 900 },
    colorScheme: 'light',
  });
  await ui.page.locator('[data-testid="sync-state"][data-connection="online"]').waitFor({ timeout: 60_000 });
}, 180_000);

afterAll(async () => {
  await ui?.close();
  await browser?.close();
  await world?.close();
  for (const d of dirs) d.cleanup();
});

// A wait, not a timing assertion: generous because CI runs every test file at once on 2 cores.
const until = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 60_000 });
const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
/** A datetime-local value `ms` from now, in the browser's (and this process's) clock. */
const local = (ms: number) => {
  const d = new Date(Date.now() + ms);
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
  return d.toISOString().slice(0, 16);
};
const tab = (page: Page, name: string) => page.getByRole('tab', { name, exact: true }).click();

describe('Settings › Members', () => {
  it('opens the invite form from the palette and shows the invitation’s one-time code', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'Inbox', exact: true }).click();
    await page.keyboard.press('Control+k');
    await page.getByLabel('Command', { exact: true }).fill('invite member');
    await page.keyboard.press('Enter');
    const form = page.getByTestId('invite-form');
    await expect.poll(() => form.isVisible()).toBe(true);

    // The server's words beside the field it refuses.
    await form.getByLabel('Email').fill('newbie@example.test');
    await form.getByLabel('Role', { exact: true }).selectOption('auditor');
    await form.getByLabel('Access ends').fill('');
    await form.getByRole('button', { name: 'Invite' }).click();
    await until(() => form.getByTestId('field-error-expiresAt').textContent()).toContain('auditor');

    await form.getByLabel('Role', { exact: true }).selectOption('viewer');
    await form.getByRole('button', { name: 'Invite' }).click();
    const code = page.getByTestId('invite-code');
    await until(() => code.textContent()).toMatch(/^([A-Z2-7]{4}-){7}[A-Z2-7]{4}$/);
    await expect.poll(() => page.getByTestId('invite-setup').textContent()).toContain('/oidc/welcome');
    const row = page.locator('[data-testid="member-row"][data-email="newbie@example.test"]');
    await until(() => row.getAttribute('data-status')).toBe('invited');
    await shot(page, 'members-invite');
    const listed = await world.client('owner').members.list.query({ workspace: 'acme' });
    expect(listed.find((m) => m.email === 'newbie@example.test')).toMatchObject({
      status: 'invited',
      role: 'viewer',
    });
    // Shown once: gone when dismissed.
    await page.getByTestId('invite-setup').getByRole('button', { name: 'Done' }).click();
    await until(() => code.count()).toBe(0);
  });

  it('changes a member’s role', async () => {
    const { page } = ui;
    const row = page.locator('[data-testid="member-row"][data-email="member@example.test"]');
    await row.getByRole('button', { name: 'Change role' }).click();
    await row.getByLabel('Role', { exact: true }).selectOption('approver');
    await row.getByRole('button', { name: 'Save role' }).click();
    await until(() => row.getByTestId('member-role').textContent()).toBe('approver');
    const listed = await world.client('owner').members.list.query({ workspace: 'acme' });
    expect(listed.find((m) => m.email === 'member@example.test')).toMatchObject({ role: 'approver' });
  });
});

describe('Settings › API tokens', () => {
  it('creates a token shown once, which works until it is revoked', async () => {
    const { page } = ui;
    await tab(page, 'API tokens');
    await page.getByRole('button', { name: 'New API token' }).click();
    const form = page.getByTestId('token-form');
    await form.getByLabel('Token name').fill('ci deploys');
    await form.getByLabel('Role', { exact: true }).selectOption('viewer');
    await form.getByLabel('Expires').fill(local(30 * DAY));
    await form.getByRole('button', { name: 'Create token' }).click();
    const secret = page.getByTestId('token-secret');
    await until(() => secret.count()).toBe(1);
    const token = (await secret.textContent()) ?? '';
    expect(token.length).toBeGreaterThan(20);
    await shot(page, 'api-token-once');
    expect(
      await outcome(() => apiClient(world.server.url, token).hosts.list.query({ workspace: 'acme' })),
    ).toBe('OK');
    await page.getByRole('button', { name: 'I have saved it' }).click();
    await until(() => secret.count()).toBe(0);

    const row = page.locator('[data-testid="token-row"][data-name="ci deploys"]');
    await until(() => row.getAttribute('data-state')).toBe('active');
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByRole('button', { name: 'Yes, revoke' }).click();
    await until(() => row.getAttribute('data-state')).toMatch(/^revoked/);
    expect(
      await outcome(() => apiClient(world.server.url, token).hosts.list.query({ workspace: 'acme' })),
    ).toBe('UNAUTHORIZED');
  });
});

describe('Settings › Maintenance', () => {
  it('schedules, edits and cancels a window, and lifts a snooze', async () => {
    const { page } = ui;
    await tab(page, 'Maintenance');
    await page.getByRole('button', { name: 'Schedule maintenance' }).click();
    let form = page.getByTestId('maintenance-form');
    await form.getByLabel('Window name').fill('Patch night');
    await form.getByLabel('Hosts', { exact: true }).selectOption(hostId);
    await form.getByLabel('Starts').fill(local(DAY));
    await form.getByLabel('Ends').fill(local(DAY - HOUR));
    await form.getByRole('button', { name: 'Schedule' }).click();
    await until(() => form.getByTestId('field-error-endsAt').textContent()).toBe(
      'endsAt must be after startsAt',
    );
    await form.getByLabel('Ends').fill(local(DAY + 2 * HOUR));
    await form.getByRole('button', { name: 'Schedule' }).click();
    const row = page.locator('[data-testid="maintenance-row"]');
    await until(() => row.getAttribute('data-name')).toBe('Patch night');
    await expect.poll(() => row.textContent()).toContain('db.example.internal:5432');

    await row.getByRole('button', { name: 'Edit' }).click();
    form = page.getByTestId('maintenance-form');
    await form.getByLabel('Window name').fill('Weekly patch night');
    await form.getByLabel('Repeat every … days (empty: once)').fill('7');
    await form.getByRole('button', { name: 'Save window' }).click();
    await until(() => row.getAttribute('data-name')).toBe('Weekly patch night');
    await expect.poll(() => row.textContent()).toContain('every week');
    const [onServer] = await world.client('viewer').maintenance.list.query({ workspace: 'acme' });
    expect(onServer).toMatchObject({ name: 'Weekly patch night', hostIds: [hostId], repeatDays: 7 });

    const snooze = page.getByTestId('snooze-row');
    await until(() => snooze.textContent()).toContain('db.example.internal:5432');
    await expect.poll(() => snooze.textContent()).toContain('disk swap');
    await shot(page, 'maintenance');

    await row.getByRole('button', { name: 'Cancel window' }).click();
    await row.getByRole('button', { name: 'Yes, cancel it' }).click();
    await until(() => row.count()).toBe(0);
    expect(await world.client('viewer').maintenance.list.query({ workspace: 'acme' })).toEqual([]);

    await snooze.getByRole('button', { name: 'Un-snooze' }).click();
    await until(() => snooze.count()).toBe(0);
    await until(() => page.getByTestId('snoozes-result').textContent()).toContain('Un-snoozed');
    expect(await world.client('viewer').snoozes.list.query({ workspace: 'acme' })).toEqual([]);
    const audit = await world
      .client('owner')
      .audit.list.query({ workspace: 'acme', filter: { action: 'alert.unsnoozed' } });
    expect(JSON.parse(audit.rows[0]!.summary)).toMatchObject({ snoozeId });
  });
});

describe('offline', () => {
  it('shows the replica’s members and snoozes read-only, and says why nothing can change', async () => {
    const { page } = ui;
    await world.client('member').alerts.snooze.mutate({ workspace: 'acme', hostId, duration: '1d' });
    await ui.core.engine.syncNow();
    await world.server.stop();
    try {
      await tab(page, 'Members');
      await until(() => page.getByTestId('members-offline').textContent()).toContain('needs the server');
      await until(() => page.getByTestId('member-row').count()).toBeGreaterThan(5);
      expect(await page.getByRole('button', { name: 'Invite member' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Change role' }).count()).toBe(0);

      await tab(page, 'Maintenance');
      await until(() => page.getByTestId('maintenance-offline').textContent()).toContain(
        'kept on the server only',
      );
      await until(() => page.getByTestId('snoozes-offline').textContent()).toContain('last synced');
      await until(() => page.getByTestId('snooze-row').count()).toBe(1);
      expect(await page.getByRole('button', { name: 'Un-snooze' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Schedule maintenance' }).count()).toBe(0);
      await shot(page, 'maintenance-offline');
    } finally {
      await world.server.restart();
    }
  });
});
