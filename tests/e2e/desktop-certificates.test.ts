import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent } from '../support/agent.ts';
import { makeSnapshot } from '../support/snapshots.ts';
import { createWorld, type World } from '../support/world.ts';
import type { DesktopCore } from '../../desktop/src/core/desktop-core.ts';
import { buildRenderer } from '../../desktop/src/host/renderer-build.ts';
import type { Host } from '../../desktop/src/host/server.ts';
import { tempDir } from '../../desktop/test/support/core.ts';
import { launchChromium } from '../support/chromium.ts';
import { openDesktopUi } from '../support/desktop-ui.ts';

const artifacts = fileURLToPath(new URL('../../.tmp/artifacts/desktop/', import.meta.url));
const DAY = 86_400_000;

let world: World;
let browser: Browser;
let core: DesktopCore;
let host: Host;
let page: Page;
const dataDir = tempDir();
// A bundle of its own: other tests and `npm start` build theirs at the same time in CI.
const rendererDir = path.join(dataDir.dir, 'renderer');
const ids: Record<string, string> = {};

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  [world, browser] = await Promise.all([createWorld(), launchChromium(), buildRenderer(rendererDir)]);
  const agent = await enrollAgent(world);
  const now = Date.now();
  const seed = async (name: string, notAfterDays: number, grade: 'A+' | 'A' | 'B' | 'F', tags: string[]) => {
    const hostname = `${name}.internal`;
    const { id } = await world
      .client('member')
      .hosts.add.mutate({ workspace: 'acme', hostname, port: 443, agentId: agent.id, tags });
    ids[name] = id;
    const notAfter = new Date(now + notAfterDays * DAY);
    // A week of daily scans (one grade dip) so the detail has a sparkline to draw.
    await agent.push(
      [6, 5, 4, 3, 2, 1, 0].map((daysAgo) =>
        makeSnapshot({
          hostId: id,
          hostname,
          notAfter,
          grade: daysAgo === 3 && grade === 'A' ? 'B' : grade,
          scannedAt: new Date(now - daysAgo * DAY - 60_000),
        }),
      ),
    );
  };
  await seed('expired', -3, 'F', ['legacy']);
  await seed('urgent', 2, 'B', ['prod']);
  await seed('soon', 15, 'A', ['prod', 'web']);
  await seed('fine', 120, 'A+', ['staging']);

  // The band colours asserted below are the light theme's.
  ({ core, host, page } = await openDesktopUi({
    world,
    browser,
    rendererDir,
    dataDir: dataDir.dir,
    viewport: { width: 1400, height: 900 },
    colorScheme: 'light',
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
const rows = () => page.getByTestId('host-row');
const row = (name: string) => page.locator(`[data-testid="host-row"][data-host="${name}.internal:443"]`);
// The tests' TypeScript has no DOM types: code run in the page names the little it uses.
type StyleProbe = { getComputedStyle(el: unknown): { color: string; backgroundColor: string } };
const style = (name: string) =>
  row(name)
    .getByTestId('days-left')
    .evaluate((el: unknown) => {
      const { color, backgroundColor } = (globalThis as unknown as StyleProbe).getComputedStyle(el);
      return { color, backgroundColor };
    });
const bands = async () => {
  const out: Array<string | null> = [];
  for (let i = 0; i < (await rows().count()); i++) out.push(await rows().nth(i).getAttribute('data-band'));
  return out;
};

describe('Certificates and hosts in Chromium through the headless host', () => {
  it('lists hosts by expiry with their bands and colours', async () => {
    await until(() => page.getByTestId('sync-state').getAttribute('data-connection')).toBe('online');
    await page.getByRole('button', { name: 'Certificates' }).click();
    await until(() => rows().count()).toBe(4);
    await until(() => bands()).toEqual(['expired', 'under-7', '7-30', 'over-30']);
    expect(await row('soon').getAttribute('data-grade')).toBe('A');
    // green > 30, amber 7–30, red < 7; expired is light text on dark red.
    expect((await style('fine')).color).toBe('rgb(21, 128, 61)');
    expect((await style('soon')).color).toBe('rgb(180, 83, 9)');
    expect((await style('urgent')).color).toBe('rgb(220, 38, 38)');
    expect((await style('expired')).backgroundColor).toBe('rgb(127, 29, 29)');

    await page.getByLabel('Filter hosts').fill('prod');
    await until(() => rows().count()).toBe(2);
    await page.getByLabel('Filter hosts').fill('');
    await until(() => rows().count()).toBe(4);
    await shot('certificates');
    // The dark theme lightens the colours for contrast.
    await page.emulateMedia({ colorScheme: 'dark' });
    await until(async () => (await style('fine')).color).toBe('rgb(74, 222, 128)');
    await page.emulateMedia({ colorScheme: 'light' });
  }, 180_000);

  it('opens a host from the keyboard with its chain, posture and sparkline, and pauses it', async () => {
    // The nav button keeps focus after the click; Enter on it would press it, not open a host.
    await page.evaluate(() =>
      (
        globalThis as unknown as { document: { activeElement: { blur(): void } | null } }
      ).document.activeElement?.blur(),
    );
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await until(() => row('soon').getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('Enter');
    const detail = page.getByTestId('host-detail');
    await until(() => detail.getByRole('heading', { level: 2 }).textContent()).toBe('soon.internal:443');
    await until(() => page.getByTestId('grade-sparkline').getAttribute('data-points')).toBe('7');
    await until(() => page.getByTestId('chain').textContent()).toContain('CN=soon.internal');
    await until(() => page.getByTestId('posture').textContent()).toContain('TLSv1.3');
    await until(() => page.getByTestId('history-fetched').textContent()).toMatch(/^As of /);
    await shot('host-detail');

    await page.keyboard.press('p');
    await until(() => row('soon').getAttribute('data-paused')).toBe('true');
    await until(async () => {
      const listed = await world.client('viewer').hosts.list.query({ workspace: 'acme' });
      return listed.find((h) => h.id === ids.soon)?.active;
    }).toBe(false);
    await until(() => row('soon').getAttribute('data-pending')).toBe('false');
    await until(() => detail.getByRole('button', { name: 'Resume scanning' }).count()).toBe(1);
  }, 180_000);
});
