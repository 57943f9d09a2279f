import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent } from '../support/agent.ts';
import { launchChromium } from '../support/chromium.ts';
import { openDesktopUi } from '../support/desktop-ui.ts';
import { createWorld, type World } from '../support/world.ts';
import type { DesktopCore } from '../../desktop/src/core/desktop-core.ts';
import { buildRenderer } from '../../desktop/src/host/renderer-build.ts';
import type { Host } from '../../desktop/src/host/server.ts';
import { tempDir } from '../../desktop/test/support/core.ts';

/**
 * The Risks, Vendors and Controls pages in Chromium through the headless host, signed in as the
 * owner, with a register, vendors, controls, evidence and control-test results seeded through the
 * API: the heat map's cells filter the register (inherent and residual), a risk recorded on a monitored host opens with
 * it and its signals, a vendor with its assessments, coverage shows a bar per CSF function, and the forms
 * show the server's field errors. Screenshots go to .tmp/artifacts/desktop/.
 */

const artifacts = fileURLToPath(new URL('../../.tmp/artifacts/desktop/', import.meta.url));

let world: World;
let browser: Browser;
let core: DesktopCore;
let host: Host;
let page: Page;
const dataDir = tempDir();
const rendererDir = path.join(dataDir.dir, 'renderer');

const RISKS = [
  { title: 'Payroll data leak', category: 'privacy', likelihood: 4, impact: 5, residual: [2, 3] },
  { title: 'Ransomware on file servers', category: 'security', likelihood: 4, impact: 5, residual: [2, 2] },
  { title: 'Office flood', category: 'facilities', likelihood: 2, impact: 4, residual: undefined },
  { title: 'Key engineer leaves', category: 'people', likelihood: 3, impact: 3, residual: undefined },
];

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  [world, browser] = await Promise.all([createWorld(), launchChromium(), buildRenderer(rendererDir)]);
  const owner = world.client('owner');
  const ws = { workspace: 'acme' };
  const agent = await enrollAgent(world);
  const payrollHost = await owner.hosts.add.mutate({
    ...ws,
    hostname: 'payroll.example.test',
    port: 443,
    agentId: agent.id,
  });
  const vendor = await owner.vendors.create.mutate({
    ...ws,
    name: 'Payroll Co',
    tier: 'critical',
    hostIds: [payrollHost.id],
  });
  await owner.vendors.create.mutate({ ...ws, name: 'Snack Supplier', tier: 'low' });
  const template = await owner.assessments.createTemplate.mutate({
    ...ws,
    name: 'Basic security',
    questions: [
      { id: 'mfa', text: 'Do staff use MFA?', weight: 3, type: 'yes_no' },
      { id: 'patching', text: 'How timely is patching?', weight: 1, type: 'scale' },
    ],
  });
  await owner.assessments.create.mutate({
    ...ws,
    vendorId: vendor.id,
    templateId: template.id,
    period: '2026',
  });
  for (const r of RISKS)
    await owner.risks.create.mutate({
      ...ws,
      title: r.title,
      category: r.category,
      likelihood: r.likelihood,
      impact: r.impact,
      ...(r.residual ? { residualLikelihood: r.residual[0], residualImpact: r.residual[1] } : {}),
      ...(r.title === 'Payroll data leak' ? { vendorIds: [vendor.id] } : {}),
    });
  const encrypt = await owner.controls.create.mutate({
    ...ws,
    title: 'Encrypt data at rest',
    status: 'implemented',
    requirements: [
      { framework: 'nist-csf-2.0', ref: 'PR.DS-01' },
      { framework: 'nist-csf-2.0', ref: 'PR.DS-02' },
    ],
  });
  await owner.evidence.add.mutate({
    ...ws,
    controlId: encrypt.id,
    title: 'KMS settings',
    url: 'https://evidence.example.test/kms',
  });
  const governance = await owner.controls.create.mutate({
    ...ws,
    title: 'Security policy approved by the board',
    status: 'implemented',
    requirements: [{ framework: 'nist-csf-2.0', ref: 'GV.OC-01' }],
  });
  await owner.evidence.add.mutate({
    ...ws,
    controlId: governance.id,
    title: 'Board minutes',
    url: 'https://evidence.example.test/minutes',
  });
  await owner.controls.create.mutate({
    ...ws,
    title: 'Asset inventory',
    status: 'implemented',
    requirements: [{ framework: 'nist-csf-2.0', ref: 'ID.AM-01' }],
  });
  await owner.controlTests.run.mutate(ws);
  ({ core, host, page } = await openDesktopUi({
    world,
    browser,
    rendererDir,
    dataDir: dataDir.dir,
    who: 'owner',
    viewport: { width: 1400, height: 1000 },
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
const cell = (l: number, i: number) => page.getByTestId(`heat-${l}-${i}`);
const riskTitles = () => page.getByTestId('risk-row').locator('.title').allTextContents();

describe('compliance pages in Chromium', () => {
  it('the heat map counts the register and its cells filter it, inherent and residual', async () => {
    await page.getByRole('button', { name: 'Risks', exact: true }).click();
    await until(() => cell(4, 5).getAttribute('data-count')).toBe('2');
    expect(await cell(2, 4).getAttribute('data-count')).toBe('1');
    expect(await cell(3, 3).getAttribute('data-count')).toBe('1');
    expect(await page.getByTestId('risk-row').count()).toBe(4);
    await shot('risks-heatmap');

    await cell(4, 5).click();
    await until(riskTitles).toEqual(['Payroll data leak', 'Ransomware on file servers']);
    // Residual ratings: the two leave the top corner; unrated ones stay at their inherent cell.
    await page.getByTestId('risk-view-residual').click();
    await until(() => cell(2, 3).getAttribute('data-count')).toBe('1');
    expect(await cell(4, 5).getAttribute('data-count')).toBe('0');
    expect(await cell(2, 4).getAttribute('data-count')).toBe('1');
    await cell(2, 3).click();
    await until(riskTitles).toEqual(['Payroll data leak']);
    await cell(2, 3).click(); // again: clears the cell
    await until(() => page.getByTestId('risk-row').count()).toBe(4);

    await page.getByTestId('risk-row').filter({ hasText: 'Payroll data leak' }).click();
    const detail = page.getByTestId('risk-detail');
    await until(() => detail.getByRole('heading', { level: 2 }).textContent()).toBe('Payroll data leak');
    expect(await detail.textContent()).toContain('Payroll Co');
    expect(await detail.textContent()).toContain('Signals');
  });

  it("recording a risk shows the server's field error, then the new risk on the map", async () => {
    await page.getByTestId('risk-view-inherent').click();
    await page.getByRole('button', { name: 'Record risk' }).click();
    await until(() => page.getByTestId('field-error-title').isVisible()).toBe(true);
    await page.getByLabel('Risk title').fill('Supplier insolvency');
    await page.getByLabel('Risk category').fill('vendors');
    await page.getByLabel('Likelihood', { exact: true }).selectOption('1');
    await page.getByLabel('Impact', { exact: true }).selectOption('5');
    await page.getByLabel('Risk host').selectOption({ label: 'payroll.example.test:443' });
    await page.getByRole('button', { name: 'Record risk' }).click();
    await until(() => cell(1, 5).getAttribute('data-count')).toBe('1');
    await until(() => page.getByTestId('risk-form-outcome').textContent()).toBe('Risk recorded.');
    expect(await page.getByTestId('field-error-title').count()).toBe(0);
    // On the monitored host it names: its incidents, failed changes and critical alerts are signals.
    await cell(1, 5).click();
    await page.getByTestId('risk-row').filter({ hasText: 'Supplier insolvency' }).click();
    await until(() => page.getByTestId('risk-detail').textContent()).toContain('payroll.example.test');
    await cell(1, 5).click();
  });

  it('vendors are listed by tier and open with their endpoints, and an open assessment is recorded', async () => {
    await page.getByRole('button', { name: 'Vendors', exact: true }).click();
    await until(() => page.getByTestId('vendor-row').count()).toBe(2);
    const tiers = await page.getByTestId('vendor-row').all();
    expect(await Promise.all(tiers.map((r) => r.getAttribute('data-tier')))).toEqual(['critical', 'low']);
    await page.getByTestId('vendor-row').first().click();
    const detail = page.getByTestId('vendor-detail');
    await until(() => detail.getByRole('heading', { level: 2 }).textContent()).toBe('Payroll Co');
    expect(await detail.getByTestId('vendor-assessments').textContent()).toContain('2026: in progress');
    expect(await detail.getByTestId('vendor-hosts').textContent()).toContain('payroll.example.test');
    // Recording the open assessment: an unanswered question is the server's words; then scored.
    await detail.getByLabel('Answer mfa').selectOption('true');
    await detail.getByRole('button', { name: 'Record assessment' }).click();
    await until(() => detail.getByTestId('field-error-answers').textContent()).toContain('must be answered');
    await detail.getByLabel('Answer patching').selectOption('4');
    await detail.getByRole('button', { name: 'Record assessment' }).click();
    await until(() => detail.getByTestId('vendor-assessments').textContent()).toContain('/100, approved');
  });

  it('coverage has a bar per CSF function, controls needing evidence come first, and test results show what they looked at', async () => {
    await page.getByRole('button', { name: 'Controls', exact: true }).click();
    await until(() => page.getByTestId('coverage-PR').getAttribute('data-covered')).toBe('2');
    expect(await page.getByTestId('coverage-GV').getAttribute('data-covered')).toBe('1');
    expect(await page.getByTestId('coverage-ID').getAttribute('data-covered')).toBe('0');
    expect(await page.getByRole('meter').count()).toBe(6);
    const rows = page.getByTestId('control-row');
    expect(await rows.first().getAttribute('data-needs-evidence')).toBe('true');
    expect(await rows.first().locator('.title').textContent()).toBe('Asset inventory');
    await until(() => page.getByTestId('control-test').count()).toBeGreaterThan(0);
    await shot('controls-coverage');
    // A failing result lists what it looked at (the critical vendor never assessed).
    const failing = page.locator('[data-testid="control-test"][data-status="fail"]').first();
    await failing.locator('summary').click();
    expect(await failing.locator('li').first().textContent()).toContain('Payroll Co');

    // An evidence link: a bad address is the server's words beside the field; a good one covers ID.
    const row = page.locator(`[data-testid="control-row"]`).filter({ hasText: 'Asset inventory' });
    await row.getByRole('button', { name: 'Add evidence link' }).click();
    await row.getByLabel('Evidence title').fill('Inventory export');
    await row.getByLabel('Evidence URL').fill('ftp://files.example.test/inventory');
    await row.getByRole('button', { name: 'Add link' }).click();
    await until(() => row.getByTestId('field-error-url').isVisible()).toBe(true);
    await row.getByLabel('Evidence URL').fill('https://evidence.example.test/inventory');
    await row.getByRole('button', { name: 'Add link' }).click();
    await until(() => page.getByTestId('coverage-ID').getAttribute('data-covered')).toBe('1');
    await until(() => row.getAttribute('data-needs-evidence')).toBe('false');
  });
});
