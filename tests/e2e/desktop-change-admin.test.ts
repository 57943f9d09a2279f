import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.ts';
import { type DesktopUi, openDesktopUi } from '../support/desktop-ui.ts';
import { createWorld, type World } from '../support/world.ts';
import { buildRenderer } from '../../desktop/src/host/renderer-build.ts';
import { tempDir } from '../../desktop/test/support/core.ts';

/**
 * Issue 12's "done when", from the desktop alone, in Chromium through the headless host: an
 * admin writes an approval policy (one step needing 2 of 2 approvers, the server's words shown
 * under the fields it refuses), a member raises a change, edits it and submits it, the two
 * approvers approve it each in their own desktop, the member schedules it, and the owner reads
 * its audit trail. Freeze windows and a CAB meeting's agenda are shown along the way.
 * Screenshots go to .tmp/artifacts/desktop/.
 */

const artifacts = fileURLToPath(new URL('../../.tmp/artifacts/desktop/', import.meta.url));
const DAY = 86_400_000;
const TITLE = 'Rotate the API gateway keys';

let world: World;
let browser: Browser;
const dirs: Array<{ dir: string; cleanup(): void }> = [];
let rendererDir: string;
const open: DesktopUi[] = [];
let changeId = '';

/** A desktop of its own (core, host, page) for one member of the world. */
async function desktopOf(who: string): Promise<DesktopUi> {
  const data = tempDir();
  dirs.push(data);
  const ui = await openDesktopUi({
    world,
    browser,
    rendererDir,
    dataDir: data.dir,
    who,
    viewport: { width: 1400, height: 900 },
    colorScheme: 'light',
  });
  open.push(ui);
  await until(() => ui.page.getByTestId('sync-state').getAttribute('data-connection')).toBe('online');
  return ui;
}

async function closeDesktop(ui: DesktopUi): Promise<void> {
  open.splice(open.indexOf(ui), 1);
  await ui.close();
}

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  const renderer = tempDir();
  dirs.push(renderer);
  rendererDir = path.join(renderer.dir, 'renderer');
  // Background on, as the product runs: the dispatcher publishes every change, so each open
  // desktop hears the others' approvals live, with no Sync now.
  [world, browser] = await Promise.all([
    createWorld({ background: true }),
    launchChromium(),
    buildRenderer(rendererDir),
  ]);
}, 180_000);

afterAll(async () => {
  for (const ui of open.splice(0)) await ui.close();
  await browser?.close();
  await world?.close();
  for (const d of dirs) d.cleanup();
});

// A wait, not a timing assertion: generous because CI runs every test file at once on 2 cores.
const until = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 60_000 });
const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
const onServer = () => world.client('viewer').changes.get.query({ workspace: 'acme', id: changeId });
/** A datetime-local value `ms` from now, in the browser's (and this process's) clock. */
const local = (ms: number) => {
  const d = new Date(Date.now() + ms);
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
  return d.toISOString().slice(0, 16);
};
const tab = (page: Page, name: string) => page.getByRole('tab', { name, exact: true }).click();
const changesPage = (page: Page) => page.getByRole('button', { name: 'Changes', exact: true }).click();
type FocusProbe = { document: { activeElement: { id: string; blur(): void } | null } };

/** Approves the change from the Approvals page with the keyboard (y, a comment, Enter). */
async function approveIn(ui: DesktopUi, comment: string): Promise<void> {
  const { page } = ui;
  await page.getByRole('button', { name: 'Approvals', exact: true }).click();
  const item = page.locator(`[data-testid="approval-item"][data-change="${changeId}"]`);
  await until(() => item.count()).toBe(1);
  await item.click();
  await until(() => item.getAttribute('aria-selected')).toBe('true');
  await page.evaluate(() => (globalThis as unknown as FocusProbe).document.activeElement?.blur());
  await page.keyboard.press('y');
  await until(() =>
    page.evaluate(() => (globalThis as unknown as FocusProbe).document.activeElement?.id),
  ).toBe('decision-comment');
  await page.keyboard.type(comment);
  await page.keyboard.press('Enter');
}

describe('change management from the desktop alone, in Chromium', () => {
  let admin: DesktopUi;
  let member: DesktopUi;

  it('an admin writes a policy needing 2 approvers, the server’s words shown under each field', async () => {
    admin = await desktopOf('admin');
    const { page } = admin;
    await changesPage(page);
    await tab(page, 'Policies');
    await until(() => page.getByTestId('page-policies').textContent()).toContain('No approval policy yet');
    await page.getByRole('button', { name: 'New policy' }).click();
    const form = page.getByTestId('policy-form');
    await form.getByRole('button', { name: 'Save policy' }).click();
    await until(() => page.getByTestId('field-error-name').textContent()).toBe('name must not be empty');

    await form.getByLabel('Policy name').fill('Normal changes: two approvers');
    // The answer was about the empty name: once the field changes, it leaves the screen.
    await until(() => page.getByTestId('field-error-name').count()).toBe(0);
    expect(await page.getByTestId('policy-form-result').count()).toBe(0);
    await form.getByLabel('normal').check();
    await form.getByLabel('Step name').fill('Service owners');
    await form
      .getByLabel('Approvers of step 1')
      .selectOption([{ label: 'approver@example.test' }, { label: 'owner@example.test' }]);
    await form.getByLabel('Quorum of step 1').fill('3');
    await form.getByRole('button', { name: 'Save policy' }).click();
    await until(() => page.getByTestId('field-error-steps.0.quorum').textContent()).toBe(
      'quorum 3 is larger than the 2 approver(s) this step names',
    );
    await form.getByLabel('Quorum of step 1').fill('2');
    await form.getByRole('button', { name: 'Save policy' }).click();

    const row = page.locator('[data-testid="policy-row"][data-name="Normal changes: two approvers"]');
    await until(() => row.count()).toBe(1);
    expect(await row.getByTestId('policy-step').textContent()).toBe(
      'Service owners: 2 of approver@example.test, owner@example.test',
    );
    const [policy] = await world.client('viewer').approvalPolicies.list.query({ workspace: 'acme' });
    expect(policy).toMatchObject({
      changeTypes: ['normal'],
      steps: [expect.objectContaining({ quorum: 2 })],
    });
    // Edited: the same two approvers, now "all" of them (what the change below needs).
    await row.getByRole('button', { name: 'Edit' }).click();
    await page.getByTestId('policy-form').getByLabel('Quorum of step 1').fill('all');
    await page.getByTestId('policy-form').getByRole('button', { name: 'Save policy' }).click();
    await until(() => row.getByTestId('policy-step').textContent()).toBe(
      'Service owners: all of approver@example.test, owner@example.test',
    );
    await shot(page, 'change-policies');
  }, 180_000);

  it('a member raises the change, edits it and submits it', async () => {
    member = await desktopOf('member');
    const { page } = member;
    await changesPage(page);
    await page.getByRole('button', { name: 'New change (c)' }).click();
    const form = page.getByTestId('change-form');
    await form.getByLabel('Title').fill('Rotate the gateway keys');
    await form.getByLabel('Rollback plan').fill('Put the previous keys back from the vault.');
    await form.getByLabel('Planned start').fill(local(3 * DAY));
    await form.getByLabel('Planned end').fill(local(3 * DAY + 3_600_000));
    await form.getByRole('button', { name: 'Create change' }).click();
    const detail = page.getByTestId('change-detail');
    await until(() => detail.getByRole('heading', { level: 2 }).textContent()).toBe(
      'Rotate the gateway keys',
    );
    await until(() => page.getByTestId('change-state').textContent()).toBe('submitted');
    changeId = (await page
      .locator('[data-testid="change-row"][aria-selected="true"]')
      .getAttribute('data-id'))!;
    expect(changeId).toMatch(/^[0-9a-f-]{36}$/);

    // An edit of a submitted change: every field stays editable (and its approvals start again).
    await page.getByTestId('change-edit-open').click();
    const edit = page.getByTestId('change-edit');
    await edit.getByLabel('Title').fill('');
    await edit.getByRole('button', { name: 'Save' }).click();
    await until(() => edit.getByTestId('field-error-title').textContent()).toBe('title must not be empty');
    await edit.getByLabel('Title').fill(TITLE);
    await edit.getByRole('button', { name: 'Save' }).click();
    await until(() => detail.getByRole('heading', { level: 2 }).textContent()).toBe(TITLE);

    const change = await onServer();
    expect(change).toMatchObject({ title: TITLE, state: 'submitted' });
    const pending = change.approvals.filter((a) => a.state === 'pending');
    expect(pending).toEqual([expect.objectContaining({ stepName: 'Service owners', quorum: 2 })]);
    await until(() => page.getByTestId('approval-step').last().textContent()).toContain('owner@example.test');
  }, 180_000);

  it('shows freeze windows and the CAB agenda, refusals in the server’s words', async () => {
    const { page } = admin;
    // A CAB meeting whose agenda fills from the submitted normal changes (the member's).
    await world.client('owner').cab.create.mutate({
      workspace: 'acme',
      title: 'Weekly CAB',
      startsAt: new Date(Date.now() + 2 * DAY),
      endsAt: new Date(Date.now() + 2 * DAY + 3_600_000),
      filter: { types: ['normal'] },
    });
    await tab(page, 'Freeze & CAB');
    await page.getByRole('button', { name: 'New freeze window' }).click();
    await page.getByRole('button', { name: 'Add freeze window' }).click();
    await until(() => page.getByTestId('field-error-name').textContent()).toBe('name must not be empty');
    await page.getByLabel('Freeze name').fill('Year-end freeze');
    await page.getByLabel('Reason', { exact: true }).fill('the sales peak');
    await page.getByLabel('Starts').fill(local(20 * DAY));
    await page.getByLabel('Ends').fill(local(22 * DAY));
    await page.getByRole('button', { name: 'Add freeze window' }).click();
    await until(() => page.getByTestId('freeze-row').textContent()).toContain('Year-end freeze');
    expect(await page.getByTestId('freeze-row').textContent()).toContain('whole workspace');

    const item = page.locator(`[data-testid="cab-item"][data-change="${changeId}"]`);
    await until(() => item.textContent()).toContain(TITLE);
    // The admin is not one of the meeting's attendees: the board's decision is not theirs.
    await item.getByRole('button', { name: 'Approve' }).click();
    await until(() => page.getByTestId('calendar-result').textContent()).toContain(
      'only the attendees of "Weekly CAB" record its decisions',
    );
    await shot(page, 'change-freeze-cab');
    const windows = await world.client('viewer').freezeWindows.list.query({ workspace: 'acme' });
    expect(windows.map((w) => w.name)).toEqual(['Year-end freeze']);
    await page.getByTestId('freeze-row').getByRole('button', { name: 'Remove' }).click();
    await until(() => page.getByTestId('freeze-row').count()).toBe(0);
    expect(await world.client('viewer').freezeWindows.list.query({ workspace: 'acme' })).toEqual([]);
  }, 180_000);

  it('two approvers approve it, each in their own desktop, and the member schedules it', async () => {
    const approver = await desktopOf('approver');
    await approveIn(approver, 'keys are in the vault');
    await until(async () => (await onServer()).approvals.flatMap((a) => a.decisions).length).toBe(1);
    expect((await onServer()).state).toBe('submitted'); // 1 of 2: the step waits for its quorum
    await closeDesktop(approver);

    const owner = await desktopOf('owner');
    await approveIn(owner, 'fine by me');
    await until(async () => (await onServer()).state).toBe('approved');
    await closeDesktop(owner);

    const { page } = member;
    await until(() => page.getByTestId('change-state').textContent()).toBe('approved');
    await page.getByTestId('change-moves').getByRole('button', { name: 'Schedule' }).click();
    await until(() => page.getByTestId('change-state').textContent()).toBe('scheduled');
    expect((await onServer()).state).toBe('scheduled');
  }, 240_000);

  it('a template proposed by one approver and approved by another raises a change approved at once', async () => {
    const { page } = admin;
    await changesPage(page);
    await tab(page, 'Templates');
    await page.getByRole('button', { name: 'New template' }).click();
    await page.getByLabel('Template name').fill('Restart the web tier');
    await page.getByLabel('Rollback plan').fill('Nothing to roll back: a restart.');
    await page.getByRole('button', { name: 'Propose template' }).click();
    const row = page.getByTestId('template-row');
    await until(() => row.getAttribute('data-state')).toBe('proposed');
    // The proposer cannot approve their own template: the server's words, shown.
    await row.getByRole('button', { name: 'Approve' }).click();
    await until(() => page.getByTestId('templates-result').textContent()).toBe(
      'you proposed this template: another approver must approve it',
    );
    const owner = await desktopOf('owner');
    await changesPage(owner.page);
    await tab(owner.page, 'Templates');
    await owner.page.getByTestId('template-row').getByRole('button', { name: 'Approve' }).click();
    await until(() => owner.page.getByTestId('template-row').getAttribute('data-state')).toBe('approved');
    expect(await owner.page.getByTestId('template-row').textContent()).toContain(
      'approved by owner@example.test',
    );
    await closeDesktop(owner);

    // The member raises a change from it: a standard change, approved on creation.
    const m = member.page;
    await tab(m, 'Changes');
    await m.getByRole('button', { name: 'New change (c)' }).click();
    const form = m.getByTestId('change-form');
    await form.getByLabel('From a standard-change template').selectOption({ label: 'Restart the web tier' });
    await form.getByRole('button', { name: 'Create change' }).click();
    const detail = m.getByTestId('change-detail');
    await until(() => detail.getByRole('heading', { level: 2 }).textContent()).toBe('Restart the web tier');
    await until(() => m.getByTestId('change-state').textContent()).toBe('approved');
  }, 180_000);

  it('an approver names a delegate while away, and removes it', async () => {
    const { page } = admin;
    await tab(page, "I'm away");
    await page.getByLabel('Delegate', { exact: true }).selectOption({ label: 'approver@example.test' });
    await page.getByLabel('From', { exact: true }).fill(local(DAY));
    await page.getByLabel('Until', { exact: true }).fill(local(DAY / 2));
    await page.getByRole('button', { name: 'Name delegate' }).click();
    await until(() => page.getByTestId('field-error-endsAt').textContent()).toBe(
      'endsAt must be after startsAt',
    );
    await page.getByLabel('Until', { exact: true }).fill(local(8 * DAY));
    await page.getByLabel('Reason', { exact: true }).fill('conference');
    await page.getByRole('button', { name: 'Name delegate' }).click();
    const row = page.getByTestId('delegation-row');
    await until(() => row.textContent()).toContain('admin@example.test → approver@example.test');
    expect(await row.textContent()).toContain('(conference)');
    expect(await world.client('viewer').delegations.list.query({ workspace: 'acme' })).toHaveLength(1);
    await row.getByRole('button', { name: 'Remove' }).click();
    await until(() => row.count()).toBe(0);
    expect(await world.client('viewer').delegations.list.query({ workspace: 'acme' })).toHaveLength(0);
  }, 180_000);

  it('the audit trail shows who raised, approved and scheduled it', async () => {
    const { page } = admin;
    await page.getByRole('button', { name: 'Audit', exact: true }).click();
    await page.getByLabel('Target').fill(changeId);
    await page.getByRole('button', { name: 'Filter' }).click();
    // Read in one go: the table re-renders as rows arrive, so no row is waited on alone.
    type Cells = { children: ArrayLike<{ textContent: string | null }> };
    const actions = () =>
      page
        .getByTestId('audit-row')
        .evaluateAll((rows) => rows.map((r) => (r as unknown as Cells).children[3]?.textContent ?? ''));
    await until(async () => (await actions()).filter((a) => a === 'approval.decided').length).toBe(2);
    const seen = await actions();
    for (const action of ['change.created', 'change.updated', 'change.submitted', 'change.transitioned'])
      expect(seen).toContain(action);
    expect(await page.locator('[data-testid="audit-row"]', { hasText: 'scheduled' }).count()).toBeGreaterThan(
      0,
    );
    await shot(page, 'change-audit-trail');
  }, 180_000);
});
