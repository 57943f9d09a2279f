import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.ts';
import { type DesktopUi, openDesktopUi } from '../support/desktop-ui.ts';
import { enrollAgent } from '../support/agent.ts';
import { makeSnapshot } from '../support/snapshots.ts';
import { createWorld, type World } from '../support/world.ts';
import { runEscalations } from '../../server/src/oncall/escalation-engine.ts';
import { buildRenderer } from '../../desktop/src/host/renderer-build.ts';
import { tempDir } from '../../desktop/test/support/core.ts';

/**
 * Issue 15's "a new user can set up a weekly rotation and an escalation policy in the desktop",
 * in Chromium through the headless host: an admin makes a weekly Berlin rotation (the server's
 * words under the members field first), sees who is on call, covers a stretch for a colleague
 * (an override ending before it starts refused, naming endsAt), writes an escalation policy
 * (a step with no target refused) and routes an alert rule to it; an expiring certificate then
 * pages the person on call, who opens the alert from the page and acknowledges it. Screenshots:
 * oncall.png, oncall-now.png and oncall-paged.png in .tmp/artifacts/desktop/.
 */

const artifacts = fileURLToPath(new URL('../../.tmp/artifacts/desktop/', import.meta.url));
const DAY = 86_400_000;
const HOUR = 3_600_000;

let world: World;
let browser: Browser;
const dirs: Array<{ dir: string; cleanup(): void }> = [];
let rendererDir: string;
let ui: DesktopUi | undefined;
let ruleId = '';
const users: Record<string, string> = {};

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  const renderer = tempDir();
  dirs.push(renderer);
  rendererDir = path.join(renderer.dir, 'renderer');
  [world, browser] = await Promise.all([createWorld(), launchChromium(), buildRenderer(rendererDir)]);
  for (const m of await world.client('admin').members.list.query({ workspace: 'acme' }))
    if (m.status === 'member' && m.email) users[m.email.split('@')[0] ?? ''] = m.userId;
  ({ id: ruleId } = await world.client('admin').alertRules.create.mutate({
    workspace: 'acme',
    name: 'Payments certificate expiring',
    predicate: { kind: 'expires_within', days: 14 },
    severity: 'critical',
  }));
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
const onCallNow = async () =>
  (await world.client('viewer').schedules.onCall.query({ workspace: 'acme' })).map((o) => o.userId);
const fieldError = (form: Locator, field: string) => form.getByTestId(`field-error-${field}`).textContent();

describe('on-call from the desktop alone, in Chromium', () => {
  it('sets up a weekly rotation and shows who is on call', async () => {
    const data = tempDir();
    dirs.push(data);
    ui = await openDesktopUi({
      world,
      browser,
      rendererDir,
      dataDir: data.dir,
      who: 'admin',
      viewport: { width: 1400, height: 1000 },
      colorScheme: 'light',
    });
    const { page } = ui;
    await until(() => page.getByTestId('sync-state').getAttribute('data-connection')).toBe('online');
    await page.getByRole('button', { name: 'On-call', exact: true }).click();
    await until(() => page.getByTestId('page-oncall').textContent()).toContain('No schedules yet');

    await page.getByRole('button', { name: 'New rotation' }).click();
    const form = page.getByRole('form', { name: 'New rotation' });
    await form.getByLabel('Schedule name').fill('Platform');
    await form.getByLabel('Time zone of the hand-off').fill('Europe/Berlin');
    await form.getByLabel('Hand-off time').fill('09:00');
    // Yesterday's 09:00 Berlin hand-off has passed: the first member is on call now.
    await form.getByLabel('First turn starts on').fill(new Date(Date.now() - DAY).toISOString().slice(0, 10));
    await form.getByRole('button', { name: 'Create rotation' }).click();
    await until(() => fieldError(form, 'memberIds')).toBe('memberIds must name at least one member');
    expect(await world.client('viewer').schedules.list.query({ workspace: 'acme' })).toEqual([]);

    await form
      .getByLabel('Rotation members')
      .selectOption([{ label: 'approver@example.test' }, { label: 'member@example.test' }]);
    await form.getByRole('button', { name: 'Create rotation' }).click();
    const card = page.getByRole('article', { name: 'Schedule Platform' });
    await until(() => card.getByTestId('oncall-now').textContent()).toContain('approver@example.test');
    expect(await onCallNow()).toEqual([users.approver]);
    const [schedule] = await world.client('viewer').schedules.list.query({ workspace: 'acme' });
    expect(schedule?.layers).toMatchObject([
      {
        memberIds: [users.approver, users.member],
        length: { kind: 'weekly' },
        handoffTime: '09:00',
        timeZone: 'Europe/Berlin',
      },
    ]);
    expect(await card.textContent()).toContain('weekly, hand-off 09:00 Europe/Berlin');
  });

  it('covers a stretch for a colleague with an override', async () => {
    const page = ui?.page as Page;
    const form = page.getByRole('form', { name: 'Cover a shift' });
    await form.getByLabel('Who covers').selectOption({ label: 'admin@example.test' });
    await form.getByLabel('From').fill(local(-HOUR));
    await form.getByLabel('Until').fill(local(-2 * HOUR));
    await form.getByRole('button', { name: 'Add override' }).click();
    await until(() => fieldError(form, 'endsAt')).toBe('endsAt must be after startsAt');

    await form.getByLabel('Until').fill(local(2 * HOUR));
    await form.getByLabel('Reason').fill('dentist');
    await form.getByRole('button', { name: 'Add override' }).click();
    const card = page.getByRole('article', { name: 'Schedule Platform' });
    await until(() => card.getByTestId('oncall-now').textContent()).toContain('admin@example.test');
    expect(await card.getByTestId('oncall-override').textContent()).toContain('(dentist)');
    expect(await onCallNow()).toEqual([users.admin]);
  });

  it('writes an escalation policy and routes an alert rule to it', async () => {
    const page = ui?.page as Page;
    await page.getByRole('button', { name: 'New escalation policy' }).click();
    const form = page.getByRole('form', { name: 'New escalation policy' });
    await form.getByLabel('Policy name').fill('Default');
    await form.getByLabel('Step 1 target').selectOption({ label: 'Platform' });
    await form.getByRole('button', { name: 'Add step' }).click();
    await form.getByRole('button', { name: 'Save policy' }).click();
    await until(() => fieldError(form, 'steps.1.targets')).toBe('targets must name at least one target');
    expect(await world.client('viewer').escalationPolicies.list.query({ workspace: 'acme' })).toEqual([]);

    await form.getByLabel('Step 2 target').selectOption({ label: 'admin@example.test' });
    await form.getByLabel('Step 2 waits (minutes)').fill('15');
    await form.getByRole('button', { name: 'Save policy' }).click();
    const policy = page.getByRole('article', { name: 'Policy Default' });
    await until(() => policy.count()).toBe(1);
    expect(await policy.textContent()).toContain('Notify on call in Platform, then wait 5 min');
    expect(await policy.textContent()).toContain('Notify admin@example.test, then wait 15 min');

    await page.getByLabel('Policy for Payments certificate expiring').selectOption({ label: 'Default' });
    const [saved] = await world.client('viewer').escalationPolicies.list.query({ workspace: 'acme' });
    await until(async () =>
      (await world.client('viewer').escalationPolicies.routes.query({ workspace: 'acme' })).map((r) => [
        r.ruleId,
        r.policyId,
      ]),
    ).toEqual([[ruleId, saved?.id]]);
    await until(() => page.getByLabel('Policy for Payments certificate expiring').inputValue()).toBe(
      saved?.id,
    );
    await shot(page, 'oncall');
    // The top of the page: who is on call now, with the override.
    await page.getByRole('heading', { name: 'On-call', exact: true }).scrollIntoViewIfNeeded();
    await shot(page, 'oncall-now');
  });

  it('pages the person on call for an expiring certificate; acknowledging in the desktop stops it', async () => {
    const page = ui?.page as Page;
    const agent = await enrollAgent(world, 'dc1');
    const host = await world
      .client('admin')
      .hosts.add.mutate({ workspace: 'acme', hostname: 'pay.example.test', port: 443, agentId: agent.id });
    await agent.push([
      makeSnapshot({
        hostId: host.id,
        hostname: 'pay.example.test',
        notAfter: new Date(Date.now() + 5 * DAY),
      }),
    ]);
    const open = await world.client('viewer').alerts.list.query({ workspace: 'acme', state: 'open', ruleId });
    const alertId = open.alerts[0]?.id ?? '';
    // The scheduler's job, run by hand: the admin (covering with the override) is paged.
    await runEscalations(world.server.services.db.owner, new Date());
    await page.getByRole('button', { name: 'Sync now' }).click();
    const mine = page.getByTestId('my-page');
    await until(() => mine.count()).toBe(1);
    expect(await mine.textContent()).toContain('pay.example.test: certificate expires in');
    await shot(page, 'oncall-paged');

    await mine.getByRole('button', { name: 'Open alert' }).click();
    const pane = page.getByTestId('alert-pane');
    await until(() => pane.locator('[data-testid="timeline-entry"][data-kind="paged"]').count()).toBe(1);
    expect(await pane.locator('[data-kind="paged"]').textContent()).toContain('admin@example.test');
    await pane.getByRole('button', { name: 'Acknowledge (no note)' }).click();
    await until(
      async () =>
        (await world.client('viewer').escalationPolicies.escalation.query({ workspace: 'acme', alertId }))
          ?.state,
    ).toBe('acknowledged');
  });
});
