import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.ts';
import { type DesktopUi, openDesktopUi } from '../support/desktop-ui.ts';
import { createWorld, type World } from '../support/world.ts';
import { buildRenderer } from '../../desktop/src/host/renderer-build.ts';
import { switchableNetwork, tempDir } from '../../desktop/test/support/core.ts';

/**
 * Incidents and maintenance on a public status page, posted from the desktop alone in Chromium
 * through the headless host: an admin posts an incident (empty fields refused under each, in
 * the server's words), adds an update and resolves it, and schedules maintenance in their own time
 * zone (Tokyo: the public page shows it in UTC, nine hours earlier; an end before the start is
 * refused under its field); the public /status/<slug>, read without sign-in, shows each step. A
 * member reads the same notices without a form. Screenshots go to .tmp/artifacts/desktop/.
 */
const artifacts = fileURLToPath(new URL('../../.tmp/artifacts/desktop/', import.meta.url));

let world: World;
let browser: Browser;
let rendererDir: string;
const dirs: Array<{ dir: string; cleanup(): void }> = [];
const uis: DesktopUi[] = [];

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  const renderer = tempDir();
  dirs.push(renderer);
  rendererDir = path.join(renderer.dir, 'renderer');
  [world, browser] = await Promise.all([createWorld(), launchChromium(), buildRenderer(rendererDir)]);
  // The page and what it shows are set up through the API (desktop-reliability.test.ts creates
  // them in the desktop): this test is about what is posted on it.
  const admin = world.client('admin');
  const host = await admin.hosts.add.mutate({
    workspace: 'acme',
    hostname: 'pay.internal.example.test',
    port: 443,
    agentId: null,
  });
  const page = await admin.statusPages.create.mutate({
    workspace: 'acme',
    slug: 'acme-status',
    title: 'Acme status',
  });
  await admin.statusPages.setComponents.mutate({
    workspace: 'acme',
    id: page.id,
    components: [
      { publicName: 'Payments', hostId: host.id },
      { publicName: 'Website', tag: 'web' },
    ],
  });
}, 180_000);

afterAll(async () => {
  for (const ui of uis) await ui.close();
  await browser?.close();
  await world?.close();
  for (const d of dirs) d.cleanup();
});

const until = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 60_000 });
const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });

async function open(who: string, fetch?: typeof globalThis.fetch): Promise<Page> {
  const data = tempDir();
  dirs.push(data);
  const ui = await openDesktopUi({
    world,
    browser,
    rendererDir,
    dataDir: data.dir,
    who,
    viewport: { width: 1400, height: 1000 },
    colorScheme: 'light',
    timezoneId: 'Asia/Tokyo',
    ...(fetch ? { fetch } : {}),
  });
  uis.push(ui);
  const { page } = ui;
  await until(() => page.getByTestId('sync-state').getAttribute('data-connection')).toBe('online');
  await page.getByRole('button', { name: 'SLOs & status', exact: true }).click();
  await until(() => page.getByTestId('status-page').count()).toBe(1);
  return page;
}

/** The public page's section `id` (incidents, maintenance, recent) as a reader sees it, in Chromium. */
async function publicSection(id: string): Promise<string> {
  // A fresh context each time: the page is cached for 30 s, and a reader who comes back later
  // is what the admin posts for.
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${world.server.url}/status/acme-status`);
    const section = page.locator(`section[aria-labelledby="${id}"]`);
    return (await section.count()) ? ((await section.textContent()) ?? '') : '';
  } finally {
    await context.close();
  }
}

describe('status page notices in the desktop', () => {
  it('an admin posts an incident, updates and resolves it, and the public page follows', async () => {
    const page = await open('admin');
    const card = page.getByTestId('status-page');
    // A component showing a tag no host carries yet keeps its tag (not the first host) in the form.
    expect(await card.getByTestId('component-row').nth(1).getByRole('combobox').inputValue()).toBe('tag:web');
    await card.getByRole('button', { name: 'Post incident' }).click();
    const form = page.getByRole('form', { name: 'New incident on Acme status' });
    expect(await form.getByLabel(/^Started/).inputValue()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
    await form.getByRole('button', { name: 'Post incident' }).click();
    await until(() => form.getByTestId('field-error-title').textContent()).toBe('title must not be empty');
    expect(await form.getByTestId('field-error-body').textContent()).toBe('body must not be empty');

    await form.getByLabel('Public title').fill('Payments are failing');
    // Typing clears the last answer's words: they were about the input that was sent.
    await until(() => form.getByTestId('field-error-body').count()).toBe(0);
    await form.getByLabel('Payments').check();
    await form.getByLabel('Message').fill('Some card payments fail; we are looking into it.');
    await form.getByRole('button', { name: 'Post incident' }).click();
    await until(() => page.getByTestId('notices-result').textContent()).toBe(
      'Posted Payments are failing on Acme status.',
    );
    const notice = page.getByTestId('notices-active').getByTestId('status-notice');
    await until(() => notice.count()).toBe(1);
    expect(await notice.textContent()).toContain('affects Payments');
    await until(() => page.getByTestId('status-page-summary').textContent()).toBe(
      '2 components · 1 active notice',
    );

    await notice.getByRole('button', { name: 'Post an update on Payments are failing' }).click();
    const update = page.getByRole('form', { name: 'Update Payments are failing' });
    await update.getByLabel('New status').selectOption('identified');
    await update.getByLabel('Message').fill('The card processor times out; we are moving to the standby.');
    await update.getByRole('button', { name: 'Post update' }).click();
    await until(() => page.getByTestId('notices-result').textContent()).toBe('Updated Payments are failing.');
    await until(() => notice.getByTestId('notice-update').count()).toBe(2);
    expect(await notice.getByTestId('notice-update').first().textContent()).toContain('Identified');
    await shot(page, 'status-notices');

    const active = await publicSection('incidents');
    expect(active).toContain('Payments are failing');
    expect(active).toContain('Affects: Payments');
    expect(active).toContain('Identified — The card processor times out; we are moving to the standby.');
    expect(active).toContain('Investigating — Some card payments fail; we are looking into it.');

    await notice.getByRole('button', { name: 'Resolve Payments are failing' }).click();
    const resolve = page.getByRole('form', { name: 'Update Payments are failing' });
    expect(await resolve.getByLabel('New status').inputValue()).toBe('resolved');
    await resolve.getByLabel('Message').fill('Card payments work again.');
    await resolve.getByRole('button', { name: 'Resolve incident' }).click();
    await until(() => page.getByTestId('notices-result').textContent()).toBe(
      'Payments are failing: resolved.',
    );
    await until(() => page.getByTestId('notices-recent').getByTestId('status-notice').count()).toBe(1);
    expect(await page.getByTestId('notices-active').textContent()).toContain('No active incident.');
    await until(() => page.getByTestId('status-page-summary').textContent()).toBe(
      '2 components · 0 active notices',
    );
    // Ended: nothing more to post on it.
    expect(await page.getByRole('button', { name: 'Resolve Payments are failing' }).count()).toBe(0);

    expect(await publicSection('incidents')).toContain('No active incidents.');
    expect(await publicSection('recent')).toContain('Resolved — Card payments work again.');
  }, 180_000);

  it('an admin schedules maintenance in their own time zone; an end before the start is refused', async () => {
    const page = await open('admin');
    await page.getByTestId('status-page').getByRole('button', { name: 'Schedule maintenance' }).click();
    const form = page.getByRole('form', { name: 'Schedule maintenance on Acme status' });
    await form.getByLabel('Public title').fill('Website move');
    await form.getByLabel('Website').check();
    await form.getByLabel('Starts (Asia/Tokyo)').fill('2030-03-04T10:00');
    await form.getByLabel('Ends (Asia/Tokyo)').fill('2030-03-04T09:00');
    await form.getByLabel('Message').fill('The website moves to a new data centre.');
    await form.getByRole('button', { name: 'Schedule maintenance' }).click();
    await until(() => form.getByTestId('field-error-endsAt').textContent()).toBe(
      'endsAt must be after startsAt',
    );
    await form.getByLabel('Ends (Asia/Tokyo)').fill('2030-03-04T12:00');
    await form.getByRole('button', { name: 'Schedule maintenance' }).click();
    await until(() => page.getByTestId('notices-maintenance').getByTestId('status-notice').count()).toBe(1);

    // 10:00 to 12:00 in Tokyo (UTC+9, no summer time) is 01:00 to 03:00 UTC.
    const planned = await publicSection('maintenance');
    expect(planned).toContain('Website move');
    expect(planned).toContain('2030-03-04 01:00 UTC – 2030-03-04 03:00 UTC');
    expect(planned).toContain('Scheduled — The website moves to a new data centre.');
  }, 120_000);

  it('offline, the notices stay on screen read-only with the reason, and come back editable', async () => {
    const network = switchableNetwork();
    const page = await open('admin', network.fetch);
    await until(() => page.getByTestId('status-notice').count()).toBe(2);
    network.online = false;
    // The desktop learns it is offline at its next exchange with the server: ask for one.
    await page.getByRole('button', { name: 'Sync now' }).click();
    await until(() => page.getByTestId('sync-state').getAttribute('data-connection')).toBe('offline');
    await until(() => page.getByTestId('status-pages-offline').textContent()).toBe(
      'reading status pages needs the server, which cannot be reached: try again when online. Status pages and their notices are kept on the server only: they can be read and posted to again once it can be reached.',
    );
    expect(await page.getByTestId('status-notice').count()).toBe(2);
    expect(await page.getByRole('button', { name: /^(Post |Schedule maintenance|Complete )/ }).count()).toBe(
      0,
    );
    await shot(page, 'status-notices-offline');

    network.online = true;
    await until(() => page.getByTestId('status-pages-offline').count()).toBe(0);
    await until(() => page.getByRole('button', { name: 'Complete Website move' }).count()).toBe(1);
  }, 120_000);

  it('a member reads the notices without any form to post', async () => {
    const page = await open('member');
    await until(() => page.getByTestId('status-notice').count()).toBe(2);
    expect(await page.getByTestId('page-status-pages').textContent()).toContain(
      'Only admins can change status pages or post incidents and maintenance on them.',
    );
    expect(
      await page.getByRole('button', { name: /^(Post |Schedule maintenance|Resolve |Complete )/ }).count(),
    ).toBe(0);
  }, 120_000);
});
