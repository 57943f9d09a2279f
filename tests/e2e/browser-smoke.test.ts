import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { launchChromium } from '../support/chromium.ts';

let server: TestServer;
let browser: Browser;
beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

it('shows the live readiness of the server in a real Chromium', async () => {
  const page = await browser.newPage();
  await page.goto(server.url);
  await expect.poll(() => page.locator('#state').textContent()).toBe('ready');
  expect(await page.locator('#checks li').allTextContents()).toEqual(['database: ok', 'migrations: ok']);
});
