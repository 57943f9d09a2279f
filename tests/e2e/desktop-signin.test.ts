import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DesktopApp } from '../../desktop/src/core/desktop-app.ts';
import { fileTokenStore } from '../../desktop/src/core/session/token-store.ts';
import { buildRenderer } from '../../desktop/src/host/renderer-build.ts';
import { type Host, startHost } from '../../desktop/src/host/server.ts';
import { tempDir } from '../../desktop/test/support/core.ts';
import { type SignInServer, startSignInServer } from '../support/signin-server.ts';
import { launchChromium } from '../support/chromium.ts';

/**
 * The desktop in Chromium through the headless host, signing in the way `npm start` sets it up:
 * the real server with its built-in OpenID provider, the page sent to the provider's sign-in
 * form, back to the host's /callback, then the workspace's data; keyboard triage, an outage with
 * offline actions and a refused one rolled back; switching workspace; sign-out.
 */
const artifacts = fileURLToPath(new URL('../../.tmp/artifacts/desktop/', import.meta.url));
// A private build: other test files build desktop/out/renderer at the same time.
const rendererDir = mkdtempSync(path.join(os.tmpdir(), 'vigilo-renderer-'));
const dataDir = tempDir();

let server: SignInServer;
let browser: Browser;
let app: DesktopApp;
let host: Host;
let page: Page;

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  [server, browser] = await Promise.all([startSignInServer(), launchChromium(), buildRenderer(rendererDir)]);
  // A second workspace of the owner's, and alerts in both (as the monitoring worker writes them).
  const tokens = await server.signIn(server.owner.email, server.owner.password);
  const api = server.api(tokens.accessToken);
  const ops = await api.workspace.create.mutate({ slug: 'ops', name: 'Operations' });
  const demo = (await api.workspace.mine.query()).find((w) => w.slug === 'demo')!;
  for (let i = 0; i < 3; i++) await server.seedAlert(demo.id);
  await server.seedAlert(ops.id);

  app = new DesktopApp({
    dataDir: dataDir.dir,
    serverUrl: server.url,
    tokens: fileTokenStore(path.join(dataDir.dir, 'tokens.json')),
    schedule: (fn, ms) => {
      const t = setTimeout(fn, Math.min(ms, 500));
      return () => clearTimeout(t);
    },
  });
  await app.start();
  host = await startHost({ app, rendererDir });
  page = await browser.newPage();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await host?.close();
  await app?.close();
  await server?.close();
  dataDir.cleanup();
  rmSync(rendererDir, { recursive: true, force: true });
});

// A wait, not a timing assertion: generous because CI runs every test file at once on 2 cores.
const until = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 60_000 });
const shot = (name: string) => page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });

describe('signing in to the desktop through the embedded identity provider', () => {
  it('goes from the printed URL to the provider, signs in, and shows the workspace', async () => {
    await page.goto(`${host.url}/#key=${host.key}`);
    // Signed out on the first load: straight to the provider's own sign-in form.
    await until(() => page.url()).toContain(`${server.issuer}/interaction/`);
    await page.getByLabel('Email').waitFor({ timeout: 60_000 });
    await shot('signin');
    await page.getByLabel('Email').fill(server.owner.email);
    await page.getByLabel('Password').fill(server.owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    // Consent is granted silently for Vigilo's own client; the tab is back at the host.
    await until(() => page.url()).toBe(`${host.url}/`);
    await until(() => page.getByTestId('inbox-count').textContent()).toBe('3');
    await until(() => page.getByTestId('sync-state').getAttribute('data-connection')).toBe('online');
    await until(() => page.locator('.dev').textContent()).toBe('DEV');
    await until(() => page.getByTestId('signed-in-user').textContent()).toBe(server.owner.email);
    await until(() => page.getByTestId('workspace-switcher').inputValue()).toBe('demo');
    await shot('signed-in-inbox');
  }, 180_000);

  it('triages with the keyboard, keeps working while the server is down, then shows what was refused', async () => {
    const demoId = app.session().workspaces.find((w) => w.slug === 'demo')!.id;
    const count = async (sql: string) => (await server.services.db.owner.query(sql, [demoId])).rowCount ?? 0;
    const acks = () => count('SELECT 1 FROM alerts WHERE workspace_id = $1 AND acknowledged_at IS NOT NULL');
    const item = (n: number) => page.getByTestId('inbox-item').nth(n);

    // Online: a acknowledges the selected alert, and the server has it.
    await page.keyboard.press('a');
    await until(() => item(0).getAttribute('data-acknowledged')).toBe('true');
    await until(acks).toBe(1);
    await until(() => item(0).getAttribute('data-pending')).toBe('false');

    // The server goes away: acknowledge the second, snooze the third for a day.
    await server.stop();
    await page.getByRole('button', { name: 'Sync now' }).click();
    await until(() => page.getByTestId('sync-state').getAttribute('data-connection')).toBe('offline');
    await page.keyboard.press('j');
    await page.keyboard.press('a');
    await page.keyboard.press('j');
    await page.keyboard.press('s');
    await page.keyboard.press('2');
    await until(() => page.getByTestId('outbox-depth').textContent()).toBe('2 waiting to send');
    await until(() => page.getByTestId('inbox-item').count()).toBe(2);
    await until(() => item(1).getAttribute('data-pending')).toBe('true');
    await shot('signed-in-offline');
    // Meanwhile the second alert resolves on the server: that acknowledgement will be refused.
    const secondId = await item(1).getAttribute('data-id');
    await server.services.db.owner.query(
      "UPDATE alerts SET state = 'resolved', resolved_at = now() WHERE id = $1",
      [secondId],
    );

    await server.restart();
    await until(() => page.getByTestId('outbox-depth').textContent()).toBe('0 waiting to send');
    await until(() => page.getByTestId('sync-state').getAttribute('data-connection')).toBe('online');
    await until(() => page.getByTestId('conflict').textContent()).toContain(
      'Your acknowledgement was not applied: the alert resolved before your acknowledgement arrived.',
    );
    // Rolled back to the server's truth: the resolved alert leaves the inbox; the snooze held.
    await until(() => page.getByTestId('inbox-item').count()).toBe(1);
    expect(await acks()).toBe(1);
    expect(await count('SELECT 1 FROM snoozes WHERE workspace_id = $1')).toBe(1);
    await shot('signed-in-conflict');
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await until(() => page.getByTestId('conflict').count()).toBe(0);
  }, 180_000);

  it('switches to another workspace and shows its data', async () => {
    await page.getByTestId('workspace-switcher').selectOption('ops');
    await until(() => page.getByTestId('workspace-title').textContent()).toBe('Operations');
    await until(() => page.getByTestId('inbox-count').textContent()).toBe('1');
    await until(() => page.getByTestId('inbox-item').count()).toBe(1);
    await shot('switched-workspace');
  }, 180_000);

  it('signs out, and signing in again asks for the password', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await until(() => page.getByTestId('sign-in').isVisible()).toBe(true);
    expect(app.session()).toMatchObject({ signedIn: false, current: undefined });
    await shot('signed-out');
    // No bounce back to the provider after signing out: the screen waits for a click.
    await page.getByRole('button', { name: 'Sign in' }).click();
    await until(() => page.url()).toContain(`${server.issuer}/interaction/`);
    await page.getByLabel('Password').waitFor({ timeout: 60_000 });
  }, 180_000);
});
