import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent } from '../support/agent.ts';
import { seedAlert } from '../support/alerts.ts';
import { launchChromium } from '../support/chromium.ts';
import { openDesktopUi } from '../support/desktop-ui.ts';
import { makeSnapshot } from '../support/snapshots.ts';
import { createWorld, type World } from '../support/world.ts';
import type { DesktopCore } from '../../desktop/src/core/desktop-core.ts';
import { buildRenderer } from '../../desktop/src/host/renderer-build.ts';
import type { Host } from '../../desktop/src/host/server.ts';
import { switchableNetwork, tempDir } from '../../desktop/test/support/core.ts';

/**
 * The Approvals, Changes and Incidents pages in Chromium through the headless host, signed in as
 * the owner (an approver of every change the member raises): approving with the keyboard online
 * and with the server stopped, a change another approver rejected meanwhile coming back as a
 * conflict rolled back and explained, raising a change with the server's field errors shown, and
 * opening an incident from an alert. Screenshots of the three pages go to .tmp/artifacts/desktop/.
 */

const artifacts = fileURLToPath(new URL('../../.tmp/artifacts/desktop/', import.meta.url));
const DAY = 86_400_000;

let world: World;
let browser: Browser;
let core: DesktopCore;
let host: Host;
let page: Page;
const dataDir = tempDir();
const rendererDir = path.join(dataDir.dir, 'renderer');
// The desktop's own way to the server: cut to keep it offline while the server is back.
const network = switchableNetwork();
const ids: Record<string, string> = {};
let alertId: string;
/** A host whose certificate the agent reported expiring: its alert drafts a renewal. */
let expiringHostId: string;

const TITLES = {
  first: 'Renew the gateway certificate',
  offline: 'Patch the load balancers',
  rejected: 'Move the database to new disks',
};

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  [world, browser] = await Promise.all([createWorld(), launchChromium(), buildRenderer(rendererDir)]);
  alertId = await seedAlert(world, 'open');
  // A real expiry alert: the rule, then an agent's scan of a certificate expiring in 10 days.
  await world.client('admin').alertRules.create.mutate({
    workspace: 'acme',
    name: 'expires within 30 days',
    predicate: { kind: 'expires_within', days: 30 },
    severity: 'warning',
  });
  const agent = await enrollAgent(world);
  const expiring = await world
    .client('member')
    .hosts.add.mutate({ workspace: 'acme', hostname: 'mail.internal', port: 443, agentId: agent.id });
  await agent.push([
    makeSnapshot({
      hostId: expiring.id,
      hostname: 'mail.internal',
      notAfter: new Date(Date.now() + 10 * DAY),
    }),
  ]);
  expiringHostId = expiring.id;
  const member = world.client('member');
  for (const [key, title] of Object.entries(TITLES)) {
    const start = new Date(Date.now() + 3 * DAY);
    const change = await member.changes.create.mutate({
      workspace: 'acme',
      title,
      type: 'normal',
      description: `${title}, as planned with the team.`,
      rollbackPlan: 'Restore the previous configuration from the backup.',
      plannedStart: start,
      plannedEnd: new Date(start.getTime() + 3_600_000),
      riskAnswers: { reach: 'some', interruption: 'degraded', tested: 'yes' },
    });
    await member.changes.transition.mutate({ workspace: 'acme', id: change.id, to: 'submitted' });
    ids[key] = change.id;
  }
  ({ core, host, page } = await openDesktopUi({
    world,
    browser,
    rendererDir,
    dataDir: dataDir.dir,
    who: 'owner',
    fetch: network.fetch,
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
type FocusProbe = { document: { activeElement: { id: string; blur(): void } | null } };
const focused = () => page.evaluate(() => (globalThis as unknown as FocusProbe).document.activeElement?.id);
/** A clicked button keeps the focus; the page's keys act once nothing is focused. */
const blur = () => page.evaluate(() => (globalThis as unknown as FocusProbe).document.activeElement?.blur());
const items = () => page.getByTestId('approval-item');
const itemOf = (key: string) => page.locator(`[data-testid="approval-item"][data-change="${ids[key]}"]`);
const serverState = async (key: string) =>
  (await world.client('viewer').changes.get.query({ workspace: 'acme', id: ids[key]! })).state;
const detailTitle = () => page.getByTestId('change-detail').getByRole('heading', { level: 2 }).textContent();

/** Selects a queued change by clicking its row, then approves it with the keyboard (y, Enter). */
async function approveWithKeys(key: string, comment = ''): Promise<void> {
  await itemOf(key).click();
  await until(() => itemOf(key).getAttribute('aria-selected')).toBe('true');
  await until(detailTitle).toBe(TITLES[key as keyof typeof TITLES]);
  await blur();
  await page.keyboard.press('y');
  await until(focused).toBe('decision-comment');
  if (comment) await page.keyboard.type(comment);
  await page.keyboard.press('Enter');
}

describe('Approvals, Changes and Incidents in Chromium through the headless host', () => {
  it('lists the approvals waiting on me in the inbox and approves one with the keyboard', async () => {
    await until(() => page.getByTestId('sync-state').getAttribute('data-connection')).toBe('online');
    await until(() => page.locator('[data-testid="inbox-item"][data-kind="approval"]').count()).toBe(3);
    await page.getByRole('button', { name: 'Approvals', exact: true }).click();
    await until(() => items().count()).toBe(3);
    await until(detailTitle).toBe(TITLES.first);
    await until(() => page.getByTestId('risk-reasons').textContent()).toContain('from the questionnaire');
    await until(() => page.getByTestId('approval-step').first().textContent()).toContain('Asked:');
    // The default step asks every approver but the requester, named (kept from members.list).
    for (const who of ['admin', 'approver', 'owner'])
      expect(await page.getByTestId('approval-step').first().textContent()).toContain(`${who}@example.test`);
    await shot('approvals');

    await blur();
    await page.keyboard.press('y');
    await until(focused).toBe('decision-comment');
    await page.keyboard.type('rollback plan is sound');
    await page.keyboard.press('Enter');
    await until(() => serverState('first')).toBe('approved');
    await until(() => items().count()).toBe(2);
    const onServer = await world.client('viewer').changes.get.query({ workspace: 'acme', id: ids.first! });
    expect(onServer.approvals[0]?.decisions).toEqual([
      expect.objectContaining({ decision: 'approve', comment: 'rollback plan is sound' }),
    ]);
  }, 180_000);

  it('approves with the server stopped, and a change rejected meanwhile comes back rolled back and explained', async () => {
    await world.server.stop();
    await page.getByRole('button', { name: 'Sync now' }).click();
    await until(() => page.getByTestId('sync-state').getAttribute('data-connection')).toBe('offline');

    await approveWithKeys('offline');
    await until(() => itemOf('offline').getAttribute('data-decision')).toBe('approve');
    await until(() => itemOf('offline').getAttribute('data-pending')).toBe('true');
    await until(() => page.getByTestId('outbox-depth').textContent()).toBe('1 waiting to send');
    expect(await itemOf('offline').textContent()).toContain('approved (waiting to send)');
    await approveWithKeys('rejected');
    await until(() => page.getByTestId('outbox-depth').textContent()).toBe('2 waiting to send');
    await shot('approvals-offline');

    // The server comes back, but not yet for this desktop: another approver rejects meanwhile.
    network.online = false;
    await world.server.restart();
    await world.client('approver').approvals.decide.mutate({
      workspace: 'acme',
      requestId: (await world.client('viewer').changes.get.query({ workspace: 'acme', id: ids.rejected! }))
        .approvals[0]!.requestId,
      decision: 'reject',
      comment: 'not during the sale',
    });
    network.online = true;
    await page.getByRole('button', { name: 'Sync now' }).click();

    await until(() => page.getByTestId('outbox-depth').textContent()).toBe('0 waiting to send');
    await until(() => page.getByTestId('conflict').textContent()).toContain(
      'Your approval decision was not applied: approver@example.test rejected it first.',
    );
    expect(await page.getByTestId('conflict').textContent()).toContain(`change “${TITLES.rejected}”`);
    await until(() => items().count()).toBe(0);
    expect(await serverState('offline')).toBe('approved');
    expect(await serverState('rejected')).toBe('rejected');

    // Rolled back: the change shows the server's rejection alone, nothing of mine waiting.
    await page.getByRole('button', { name: 'Changes', exact: true }).click();
    await page.locator(`[data-testid="change-row"][data-id="${ids.rejected}"]`).dblclick();
    await until(() => page.getByTestId('change-state').textContent()).toBe('rejected');
    const decisions = page.getByTestId('approval-decision');
    await until(() => decisions.count()).toBe(1);
    expect(await decisions.first().getAttribute('data-decision')).toBe('reject');
    expect(await decisions.first().textContent()).toContain('not during the sale');
    await shot('approvals-conflict');
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await until(() => page.getByTestId('conflict').count()).toBe(0);
  }, 180_000);

  it('raises a change, showing the server’s words for a bad field, and submits it', async () => {
    await page.getByRole('button', { name: 'Changes', exact: true }).click();
    await page.getByRole('button', { name: 'New change (c)' }).click();
    const form = page.getByTestId('change-form');
    await form.getByRole('button', { name: 'Create change' }).click();
    await until(() => page.getByTestId('field-error-title').textContent()).toBe('title must not be empty');

    const local = (ms: number) => {
      const d = new Date(Date.now() + ms);
      d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
      return d.toISOString().slice(0, 16);
    };
    await form.getByLabel('Title').fill('Upgrade OpenSSL on the web tier');
    await form.getByLabel('Rollback plan').fill('Reinstall the previous package.');
    await form.getByLabel('Planned start').fill(local(5 * DAY));
    await form.getByLabel('Planned end').fill(local(4 * DAY));
    await form.getByRole('button', { name: 'Create change' }).click();
    await until(() => page.getByTestId('field-error-plannedEnd').textContent()).toBe(
      'plannedEnd must be after plannedStart',
    );
    await form.getByLabel('Planned end').fill(local(5 * DAY + 7_200_000));
    await form.getByLabel('Who notices if it goes wrong?').selectOption('everyone');
    await form.getByRole('button', { name: 'Create change' }).click();

    await until(detailTitle).toBe('Upgrade OpenSSL on the web tier');
    await until(() => page.getByTestId('change-state').textContent()).toBe('submitted');
    expect(await page.getByTestId('change-message').textContent()).toBe(
      'Created and submitted for approval.',
    );
    // The owner raised it: the step asks the other approvers, never its requester.
    const step = page.getByTestId('approval-step').first();
    await until(() => step.textContent()).toContain('approver@example.test');
    expect(await step.textContent()).not.toContain('owner@example.test');
    await until(() => page.getByTestId('change-moves').textContent()).toContain('Withdraw to draft');
    const listed = await world
      .client('viewer')
      .changes.list.query({ workspace: 'acme', state: ['submitted'] });
    expect(listed.changes.map((c) => c.title)).toContain('Upgrade OpenSSL on the web tier');
    await shot('changes');
  }, 180_000);

  it('drafts the renewal change from an expiry alert in the inbox', async () => {
    // The rule opened the alert when the scan arrived.
    let expiryAlertId = '';
    await until(async () => {
      const open = await world
        .client('viewer')
        .alerts.list.query({ workspace: 'acme', hostId: expiringHostId });
      return (expiryAlertId = open.alerts[0]?.id ?? '');
    }).not.toBe('');
    await page.getByRole('button', { name: 'Inbox', exact: true }).click();
    await page.locator(`[data-testid="inbox-item"][data-id="${expiryAlertId}"]`).dblclick();
    await until(() => page.getByTestId('alert-pane').count()).toBe(1);
    await page.getByRole('button', { name: 'Draft renewal change' }).click();
    await until(detailTitle).toMatch(
      /^Renew the certificate of mail\.internal:443 before \d{4}-\d{2}-\d{2}$/,
    );
    await until(() => page.getByTestId('change-state').textContent()).toBe('draft');
    expect(await page.getByTestId('change-message').textContent()).toBe(
      'Renewal drafted from the alert: check its window, then submit it.',
    );
    expect(await page.getByTestId('change-detail').textContent()).toContain('mail.internal');
    // Drafting it again is refused in the server's words, shown beside the alert.
    await page.getByRole('button', { name: 'Inbox', exact: true }).click();
    await page.locator(`[data-testid="inbox-item"][data-id="${expiryAlertId}"]`).dblclick();
    await page.getByRole('button', { name: 'Draft renewal change' }).click();
    await until(() => page.getByTestId('alert-action-result').textContent()).toContain(
      'No renewal drafted: a renewal of this certificate on mail.internal is already open',
    );
    await page.keyboard.press('Escape');
  }, 180_000);

  it('opens an incident from an alert in the inbox, notes it and moves it', async () => {
    await page.getByRole('button', { name: 'Inbox', exact: true }).click();
    await page.locator(`[data-testid="inbox-item"][data-id="${alertId}"]`).dblclick();
    await until(() => page.getByTestId('alert-pane').count()).toBe(1);
    await page.getByRole('button', { name: 'Open incident' }).click();

    const detail = page.getByTestId('incident-detail');
    await until(() => detail.getByRole('heading', { level: 2 }).textContent()).toContain(
      'certificate expires soon',
    );
    await until(() => page.getByTestId('incident-state').textContent()).toBe('investigating');
    await until(() =>
      page.locator('[data-testid="incident-event"][data-kind="linked"]').count(),
    ).toBeGreaterThan(0);
    await blur();
    await page.keyboard.press('n');
    await until(focused).toBe('incident-note');
    await page.keyboard.type('paged the DBA on call');
    await page.keyboard.press('Enter');
    const note = page.locator('[data-testid="incident-event"][data-kind="note"]');
    await until(() => note.textContent()).toContain('paged the DBA on call');
    await until(() => note.getAttribute('data-pending')).toBe('false');
    await detail.getByRole('button', { name: 'Cause identified' }).click();
    await until(() => page.getByTestId('incident-state').textContent()).toBe('identified');

    const [incident] = (await world.client('viewer').incidents.list.query({ workspace: 'acme', alertId }))
      .items;
    await until(
      async () =>
        (await world.client('viewer').incidents.get.query({ workspace: 'acme', id: incident!.id })).state,
    ).toBe('identified');
    const onServer = await world
      .client('viewer')
      .incidents.get.query({ workspace: 'acme', id: incident!.id });
    expect(onServer.timeline.filter((e) => e.kind === 'note').map((e) => e.body)).toEqual([
      'paged the DBA on call',
    ]);
    await shot('incidents');
  }, 180_000);
});
