import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.ts';
import { ownerInWorkspace } from '../support/database.ts';
import { createWorld, type World } from '../support/world.ts';

/**
 * The public status page in a real Chromium, with no sign-in: components under public names with
 * their state and 90-day bars, an active incident with its updates, scheduled maintenance, the
 * Atom feed parsed by the browser's XML parser, and none of the private names (hostnames, tags,
 * the internal incident's and maintenance window's titles) anywhere in the page or the feed.
 * Screenshots (desktop and phone width) go to .tmp/artifacts/status-page/.
 */
const artifacts = fileURLToPath(new URL('../../.tmp/artifacts/status-page/', import.meta.url));
const PRIVATE = [
  'db-primary-7.corp.internal',
  'web-int-3.corp.internal',
  'private-db-tag',
  'Disk full on db-primary',
];
const DAY = 86_400_000;

/** The few browser globals the page-side code uses (this file compiles without the DOM lib). */
type XmlElement = {
  textContent: string | null;
  namespaceURI: string | null;
  getElementsByTagName(name: string): ArrayLike<XmlElement>;
};
type BrowserGlobals = {
  document: { documentElement: { scrollWidth: number } };
  DOMParser: new () => {
    parseFromString(text: string, type: string): XmlElement & { documentElement: XmlElement };
  };
};

let world: World;
let browser: Browser;
beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  [world, browser] = await Promise.all([createWorld(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await world?.close();
});

// History is written back from one minute before today's UTC midnight, so that each "day ago"
// (its scans spread over 22 hours) falls inside one calendar day whatever time the test runs.
const historyEnd = Math.floor(Date.now() / DAY) * DAY - 60_000;

async function history(host: string, days: number, downDay?: number): Promise<void> {
  const now = historyEnd;
  const rows: Array<{ id: string; scanned_at: string; reachable: boolean }> = [];
  for (let d = days; d >= 0; d -= 1)
    for (let h = 0; h < 24; h += 2) {
      const at = now - d * DAY - h * 3_600_000;
      rows.push({
        id: randomUUID(),
        scanned_at: new Date(at).toISOString(),
        reachable: d !== downDay || h > 12,
      });
    }
  await ownerInWorkspace(world.server.services.db.owner, world.workspace.id, (c) =>
    c.query(
      `INSERT INTO snapshots (id, scanned_at, workspace_id, host_id, agent_id, reachable, handshake_ms, body)
       SELECT x.id, x.scanned_at, $2, $3, $4, x.reachable, 40, '{}'
       FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, scanned_at timestamptz, reachable boolean)`,
      [JSON.stringify(rows), world.workspace.id, host, randomUUID()],
    ),
  );
  // The hot state ingest keeps beside the history: the latest scan, up.
  await ownerInWorkspace(world.server.services.db.owner, world.workspace.id, (c) =>
    c.query(
      `INSERT INTO host_status (host_id, workspace_id, snapshot_id, scanned_at, reachable, facts)
       VALUES ($1, $2, $3, now(), true, '{}')`,
      [host, world.workspace.id, randomUUID()],
    ),
  );
}

describe('the public status page', () => {
  let pageId = '';

  it('is set up by an admin through the API; a taken slug is refused naming slug', async () => {
    const admin = world.client('admin');
    const web = await admin.hosts.add.mutate({
      workspace: 'acme',
      hostname: PRIVATE[1]!,
      port: 443,
      agentId: null,
    });
    const db = await admin.hosts.add.mutate({
      workspace: 'acme',
      hostname: PRIVATE[0]!,
      port: 5432,
      tags: [PRIVATE[2]!],
      agentId: null,
    });
    await history(web.id, 40, 3);
    await history(db.id, 89);
    const page = await admin.statusPages.create.mutate({
      workspace: 'acme',
      slug: 'acme',
      title: 'Acme Cloud',
      description: 'Live status of Acme services',
    });
    pageId = page.id;
    const withComponents = await admin.statusPages.setComponents.mutate({
      workspace: 'acme',
      id: page.id,
      components: [
        { publicName: 'Website', hostId: web.id },
        { publicName: 'Database', tag: PRIVATE[2]! },
      ],
    });
    const [website, database] = withComponents.components;
    const internal = await admin.incidents.create.mutate({
      workspace: 'acme',
      title: PRIVATE[3]!,
      severity: 'SEV2',
    });
    const incident = await admin.statusPages.postNotice.mutate({
      workspace: 'acme',
      pageId: page.id,
      kind: 'incident',
      title: 'Slow sign-in',
      incidentId: internal.id,
      componentIds: [website!.id],
      startsAt: new Date(Date.now() - 3_600_000),
      status: 'investigating',
      body: 'Some people wait long to sign in; we are looking into it.',
    });
    await admin.statusPages.postUpdate.mutate({
      workspace: 'acme',
      noticeId: incident.id,
      status: 'identified',
      body: 'A slow database query; a fix is on its way.',
    });
    await admin.alerts.scheduleMaintenance.mutate({
      workspace: 'acme',
      name: `reboot ${PRIVATE[0]}`,
      hostIds: [db.id],
      startsAt: new Date(Date.now() + DAY),
      endsAt: new Date(Date.now() + DAY + 3_600_000),
    });
    await admin.statusPages.postNotice.mutate({
      workspace: 'acme',
      pageId: page.id,
      kind: 'maintenance',
      title: 'Database upgrade',
      componentIds: [database!.id],
      startsAt: new Date(Date.now() + DAY),
      endsAt: new Date(Date.now() + DAY + 3_600_000),
      status: 'scheduled',
      body: 'The database moves to a new version; expect a minute of read-only.',
    });

    // Another workspace cannot take the slug: the error names the field and nothing is stored.
    const outsider = world.client('outsider');
    const err = await outsider.statusPages.create
      .mutate({ workspace: 'other', slug: 'acme', title: 'Not Acme' })
      .then(
        () => undefined,
        (e: unknown) => e as { data?: { code: string; fieldErrors?: Record<string, string> } },
      );
    expect(err?.data?.code).toBe('BAD_REQUEST');
    expect(err?.data?.fieldErrors).toEqual({ slug: 'this slug is taken: choose another' });
    expect(await outsider.statusPages.list.query({ workspace: 'other' })).toEqual([]);
  });

  it('renders in Chromium without sign-in, readable on a phone, with nothing private', async () => {
    expect(pageId).not.toBe('');
    const res = await fetch(`${world.server.url}/status/acme`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toMatch(/max-age=30/);
    const html = await res.text();
    for (const secret of PRIVATE) expect(html).not.toContain(secret);
    expect((await fetch(`${world.server.url}/status/nobody-here`)).status).toBe(404);

    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${world.server.url}/status/acme`);
    expect(await page.locator('h1').textContent()).toBe('Acme Cloud');
    expect(await page.locator('h2').allTextContents()).toEqual([
      'Active incidents',
      'Components',
      'Scheduled maintenance',
    ]);
    expect(await page.locator('.banner').textContent()).toBe('Some systems are affected');
    const components = page.locator('.component');
    expect(await components.locator('h3').allTextContents()).toEqual(['Website', 'Database']);
    // Website has an incident on it (its hosts are up): degraded. The database's hosts are up.
    expect(await components.locator('.state').allTextContents()).toEqual([
      'Degraded performance',
      'Operational',
    ]);
    expect(await components.nth(0).locator('.day').count()).toBe(90);
    // Day 3 ago had half its scans down: its bar is red and says so in words.
    const downDay = new Date(historyEnd - 3 * DAY).toISOString().slice(0, 10);
    expect(await components.nth(0).locator('.day.bad').first().getAttribute('title')).toMatch(
      new RegExp(`^${downDay}: \\d+\\.\\d\\d % up`),
    );
    expect(await components.nth(0).locator('.day.none').count()).toBeGreaterThan(40); // history starts 40 days ago
    const incident = page.locator('section[aria-labelledby="incidents"] article');
    expect(await incident.locator('h3').textContent()).toBe('Slow sign-in');
    expect(await incident.locator('.updates li strong').allTextContents()).toEqual([
      'Identified',
      'Investigating',
    ]);
    expect(await page.locator('section[aria-labelledby="maintenance"] h3').allTextContents()).toEqual([
      'Database upgrade',
    ]);
    const visible = await page.locator('body').innerText();
    for (const secret of PRIVATE) expect(visible).not.toContain(secret);
    await page.screenshot({ path: path.join(artifacts, 'status-page.png'), fullPage: true });

    // On a phone: nothing wider than the screen.
    await page.setViewportSize({ width: 375, height: 800 });
    expect(
      await page.evaluate(
        () => (globalThis as unknown as BrowserGlobals).document.documentElement.scrollWidth,
      ),
    ).toBeLessThanOrEqual(375);
    await page.screenshot({ path: path.join(artifacts, 'status-page-phone.png'), fullPage: true });

    // The feed parses as XML in the browser and carries both notices with their updates.
    // (The page's CSP allows no fetch from it: the feed is read here and parsed on a blank page.)
    const feedRes = await fetch(`${world.server.url}/status/acme/feed.atom`);
    const feedType = feedRes.headers.get('content-type');
    await page.goto('about:blank');
    const feed = await page.evaluate(
      (xml) => {
        const doc = new (globalThis as unknown as BrowserGlobals).DOMParser().parseFromString(
          xml,
          'application/xml',
        );
        return {
          error: doc.getElementsByTagName('parsererror').length,
          root: doc.documentElement.namespaceURI,
          titles: Array.from(doc.getElementsByTagName('entry')).map(
            (e) => e.getElementsByTagName('title')[0]?.textContent,
          ),
          content: Array.from(doc.getElementsByTagName('content'))
            .map((c) => c.textContent ?? '')
            .join(' '),
          text: doc.documentElement.textContent ?? '',
        };
      },
      await feedRes.text(),
    );
    expect(feedType).toMatch(/^application\/atom\+xml/);
    expect(feed.error).toBe(0);
    expect(feed.root).toBe('http://www.w3.org/2005/Atom');
    expect(feed.titles.sort()).toEqual(['Incident: Slow sign-in', 'Maintenance: Database upgrade']);
    expect(feed.content).toContain('a fix is on its way');
    for (const secret of PRIVATE) expect(feed.text).not.toContain(secret);
    await context.close();
  });
});
