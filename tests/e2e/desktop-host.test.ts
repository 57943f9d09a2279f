import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '../support/world.ts';
import { resolveAlert, seedAlert } from '../support/alerts.ts';
import type { DesktopCore } from '../../desktop/src/core/desktop-core.ts';
import { buildRenderer } from '../../desktop/src/host/renderer-build.ts';
import type { Host } from '../../desktop/src/host/server.ts';
import { tempDir } from '../../desktop/test/support/core.ts';
import { launchChromium } from '../support/chromium.ts';
import { openDesktopUi } from '../support/desktop-ui.ts';

const artifacts = fileURLToPath(new URL('../../.tmp/artifacts/desktop/', import.meta.url));

let world: World;
let browser: Browser;
let core: DesktopCore;
let host: Host;
let page: Page;
const dataDir = tempDir();
const rendererDir = path.join(dataDir.dir, 'renderer');
const alerts: string[] = [];

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  // A private build: `npm start` (tests/e2e/start.test.ts) may be building desktop/out meanwhile.
  [world, browser] = await Promise.all([createWorld(), launchChromium(), buildRenderer(rendererDir)]);
  for (let i = 0; i < 4; i++) alerts.push(await seedAlert(world, 'open'));
  ({ core, host, page } = await openDesktopUi({ world, browser, rendererDir, dataDir: dataDir.dir }));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await host?.close();
  await core?.close();
  await world?.close();
  dataDir.cleanup();
});

/** Waits for the UI to reach a state (generous: CI machines are slow; nothing here is a timing claim). */
// A wait, not a timing assertion: generous because CI runs every test file at once on 2 cores.
const until = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 60_000 });
const shot = (name: string) => page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
/** The little of the DOM this test reads inside the page (this file compiles without the DOM lib). */
type FocusProbe = { document: { activeElement: { id: string } | null } };
type ThemeProbe = { document: { documentElement: { dataset: { theme?: string } } } };
const item = (n: number) => page.getByTestId('inbox-item').nth(n);
const serverAcks = async () => {
  const { rows } = await world
    .client('owner')
    .audit.list.query({ workspace: 'acme', filter: { action: 'alert.acknowledged' } });
  return rows.length;
};

describe('the desktop UI in Chromium through the headless host', () => {
  it('shows the replicated inbox and triages with the keyboard', async () => {
    await until(() => page.getByTestId('inbox-count').textContent()).toBe('4');
    await until(() => page.getByTestId('sync-state').getAttribute('data-connection')).toBe('online');
    await shot('inbox');
    await page.keyboard.press('j');
    await until(() => item(1).getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('a');
    await until(() => item(1).getAttribute('data-acknowledged')).toBe('true');
    await until(serverAcks).toBe(1);
    await until(() => item(1).getAttribute('data-pending')).toBe('false');

    // Enter opens the timeline; c writes a comment that shows at once and reaches the server.
    await page.keyboard.press('Enter');
    await until(() => page.getByTestId('alert-pane').count()).toBe(1);
    await page.keyboard.press('c');
    await until(() =>
      page.evaluate(() => (globalThis as unknown as FocusProbe).document.activeElement?.id),
    ).toBe('comment-box');
    await page.keyboard.type('renewal ordered from the CA');
    await page.keyboard.press('Enter');
    const comment = page.locator('[data-testid="timeline-entry"][data-kind="comment"]');
    await until(() => comment.textContent()).toContain('renewal ordered from the CA');
    await until(() => comment.getAttribute('data-pending')).toBe('false');
    const alertId = await item(1).getAttribute('data-id');
    const onServer = await world.client('owner').alerts.comments.query({ workspace: 'acme', id: alertId! });
    expect(onServer.map((c) => c.body)).toEqual(['renewal ordered from the CA']);
    await shot('alert-timeline');
    await page.keyboard.press('Escape');
    await until(() => page.getByTestId('alert-pane').count()).toBe(0);
  }, 180_000);

  it('reviews the replicated audit log and verifies its chain locally', async () => {
    // Through the command palette (Ctrl+K), then `/` jumps to the page's search field.
    await page.keyboard.press('Control+k');
    await until(() => page.getByTestId('palette').count()).toBe(1);
    await page.keyboard.type('audit');
    await until(() => page.getByTestId('palette-command').first().textContent()).toBe('Go to Audit');
    await page.keyboard.press('Enter');
    await until(() => page.getByTestId('palette').count()).toBe(0);
    await until(() => page.getByRole('heading', { name: 'Audit log' }).count()).toBe(1);
    await page.keyboard.press('/');
    await until(() =>
      page.evaluate(() => (globalThis as unknown as FocusProbe).document.activeElement?.id),
    ).toBe('audit-search');
    const { headSeq } = await world.client('owner').sync.audit.query({ workspace: 'acme', limit: 1 });
    await until(() => page.getByTestId('audit-row').count()).toBe(headSeq);
    await page.getByLabel('Action').fill('member.*');
    await page.getByRole('button', { name: 'Filter' }).click();
    // The world's six members: each invited, then added when they signed in.
    await until(() => page.getByTestId('audit-row').count()).toBe(12);
    await page.getByRole('button', { name: 'Verify chain' }).click();
    await until(() => page.getByTestId('chain-result').textContent()).toMatch(
      /^Chain verified: \d+ rows, unbroken\.$/,
    );
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('acme-audit.csv');
    await file.saveAs(path.join(artifacts, 'acme-audit.csv'));
    await shot('audit');
    // The header's theme switch pins dark, then light, then back to the system's.
    await page.getByTestId('theme-toggle').click();
    await until(() =>
      page.evaluate(() => (globalThis as unknown as ThemeProbe).document.documentElement.dataset.theme),
    ).toBe('light');
    await page.getByTestId('theme-toggle').click();
    await until(() =>
      page.evaluate(() => (globalThis as unknown as ThemeProbe).document.documentElement.dataset.theme),
    ).toBe('dark');
    await shot('audit-dark');
    await page.getByTestId('theme-toggle').click();
    await until(() =>
      page.evaluate(() => (globalThis as unknown as ThemeProbe).document.documentElement.dataset.theme),
    ).toBeUndefined();

    // A target's timeline: its rows alone. A day range after today: nothing.
    await page.getByTestId('audit-row').first().getByRole('button').click();
    await until(() => page.getByLabel('Target').inputValue()).not.toBe('');
    const targets = async () =>
      new Set(await page.getByTestId('audit-row').getByRole('button').allTextContents()).size;
    await until(targets).toBe(1);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('Target').fill('');
    await page.getByLabel('From (UTC)').fill(tomorrow);
    await page.getByRole('button', { name: 'Filter' }).click();
    await until(() => page.getByTestId('audit-row').count()).toBe(0);
    await page.getByLabel('From (UTC)').fill('');
    await page.getByRole('button', { name: 'Filter' }).click();
  }, 180_000);

  it('keeps working with the server stopped, then drains the outbox and shows a conflict', async () => {
    await page.getByRole('button', { name: 'Inbox' }).click();
    await world.server.stop();
    await page.getByRole('button', { name: 'Sync now' }).click();
    await until(() => page.getByTestId('sync-state').getAttribute('data-connection')).toBe('offline');

    // Offline: acknowledge the first and the third, snooze the fourth for a day; the third
    // resolves on the server meanwhile.
    expect(await page.getByTestId('inbox-item').count()).toBe(4);
    await page.keyboard.press('k');
    await page.keyboard.press('a');
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('a');
    await page.keyboard.press('j');
    await page.keyboard.press('s');
    await until(() => page.getByTestId('inbox-hint').textContent()).toContain('Snooze for');
    await page.keyboard.press('2');
    await until(() => page.getByTestId('outbox-depth').textContent()).toBe('3 waiting to send');
    // The snoozed alert leaves the inbox at once; the two acknowledgements wait to be sent.
    await until(() => page.getByTestId('inbox-item').count()).toBe(3);
    await until(() => page.locator('[data-pending="true"]').count()).toBe(2);
    await shot('offline');
    const thirdId = core.db
      .prepare<[], { id: string }>(
        "SELECT row_id AS id FROM outbox WHERE state = 'pending' AND kind = 'alert.acknowledge' ORDER BY seq DESC LIMIT 1",
      )
      .get()!.id;
    await resolveAlert(world, thirdId);

    await world.server.restart();
    await until(() => page.getByTestId('outbox-depth').textContent()).toBe('0 waiting to send');
    await until(() => page.getByTestId('sync-state').getAttribute('data-connection')).toBe('online');
    await until(() => page.getByTestId('conflict').textContent()).toContain(
      'Your acknowledgement was not applied: the alert resolved before your acknowledgement arrived.',
    );
    await until(() => page.getByTestId('inbox-item').count()).toBe(2);
    await until(serverAcks).toBe(2);
    const snoozes = await world.server.services.db.owner.query(
      'SELECT 1 FROM snoozes WHERE workspace_id = $1',
      [world.workspace.id],
    );
    expect(snoozes.rowCount).toBe(1);
    await shot('conflict');
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await until(() => page.getByTestId('conflict').count()).toBe(0);
    expect(alerts).toContain(thirdId);
  }, 180_000);

  it('shows a bug in the desktop as a bug, with where its log is, not as an outage', async () => {
    // The replica refuses the next server row, as a broken migration or constraint would.
    core.db.exec(
      "CREATE TRIGGER refuse BEFORE INSERT ON records BEGIN SELECT RAISE(ABORT, 'the replica refuses this row'); END",
    );
    await world.client('owner').workspace.update.mutate({ workspace: 'acme', name: 'Acme Broken' });
    await page.getByRole('button', { name: 'Sync now' }).click();
    await until(() => page.getByTestId('sync-state').getAttribute('data-connection')).toBe('error');
    expect(await page.getByTestId('sync-state').getAttribute('data-failure')).toBe('bug');
    expect(await page.getByTestId('sync-error').textContent()).toBe(
      `sync stopped by an error in Vigilo: SqliteError: the replica refuses this row; see ${path.join(dataDir.dir, 'logs', 'desktop.log')}`,
    );
    await shot('bug');

    core.db.exec('DROP TRIGGER refuse');
    await page.getByRole('button', { name: 'Sync now' }).click();
    await until(() => page.getByTestId('sync-state').getAttribute('data-connection')).toBe('online');
    expect(await page.getByTestId('sync-error').count()).toBe(0);
  }, 120_000);
});
