import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withWorkspace } from '../../server/src/db/tx.ts';
import { evaluateSlos } from '../../server/src/reliability/slo-evaluation.ts';
import { launchChromium } from '../support/chromium.ts';
import { ownerInWorkspace } from '../support/database.ts';
import { type DesktopUi, openDesktopUi } from '../support/desktop-ui.ts';
import { createWorld, type World } from '../support/world.ts';
import { buildRenderer } from '../../desktop/src/host/renderer-build.ts';
import { tempDir } from '../../desktop/test/support/core.ts';

/**
 * SLOs and status pages from the desktop alone, in Chromium through the headless host: an admin
 * adds an SLO (an objective of 100 refused under its field first), creates a status page (a slug
 * another workspace took refused under its field), chooses a component under a public name and
 * previews the public page; once the SLO burns, the inbox shows its error budget.
 * Screenshots go to .tmp/artifacts/desktop/.
 */
const artifacts = fileURLToPath(new URL('../../.tmp/artifacts/desktop/', import.meta.url));

let world: World;
let browser: Browser;
let rendererDir: string;
const dirs: Array<{ dir: string; cleanup(): void }> = [];
let admin: DesktopUi | undefined;
let hostId = '';
let policyId = '';

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  const renderer = tempDir();
  dirs.push(renderer);
  rendererDir = path.join(renderer.dir, 'renderer');
  [world, browser] = await Promise.all([createWorld(), launchChromium(), buildRenderer(rendererDir)]);
  hostId = (
    await world.client('admin').hosts.add.mutate({
      workspace: 'acme',
      hostname: 'pay.internal.example.test',
      port: 443,
      agentId: null,
    })
  ).id;
  // A policy the SLO form can pick for the burn-rate alerts (replicated before the desktop opens).
  const [me] = (await world.client('admin').members.list.query({ workspace: 'acme' })).filter(
    (m) => m.email === 'admin@example.test',
  );
  policyId = (
    await world.client('admin').escalationPolicies.create.mutate({
      workspace: 'acme',
      name: 'Payments on-call',
      steps: [{ targets: [{ kind: 'members', userIds: [me?.userId ?? ''] }], waitMinutes: 5 }],
    })
  ).id;
}, 180_000);

afterAll(async () => {
  await admin?.close();
  await browser?.close();
  await world?.close();
  for (const d of dirs) d.cleanup();
});

const until = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 60_000 });
const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });

describe('SLOs and status pages in the desktop', () => {
  it('an admin adds an SLO and a status page, the server’s words under the fields it refuses', async () => {
    const data = tempDir();
    dirs.push(data);
    admin = await openDesktopUi({
      world,
      browser,
      rendererDir,
      dataDir: data.dir,
      who: 'admin',
      viewport: { width: 1400, height: 900 },
      colorScheme: 'light',
    });
    const { page } = admin;
    await until(() => page.getByTestId('sync-state').getAttribute('data-connection')).toBe('online');
    await page.getByRole('button', { name: 'SLOs & status', exact: true }).click();
    await until(() => page.getByTestId('page-slos').textContent()).toContain('No SLOs yet');

    await page.getByRole('button', { name: 'New SLO' }).click();
    const form = page.getByRole('form', { name: 'New SLO' });
    await form.getByLabel('SLO name').fill('Payments availability');
    await until(() => form.getByRole('combobox', { name: /^Host/ }).locator('option').count()).toBe(1);
    await form.getByLabel('Objective (%)').fill('100');
    await form.getByRole('button', { name: 'Add SLO' }).click();
    await until(() => page.getByTestId('field-error-objective').textContent()).toBe(
      'objective must be greater than 0 and less than 100',
    );
    await form.getByLabel('Objective (%)').fill('99.5');
    // Its burn-rate alerts page a policy of their own rather than the host's tag route.
    await form.getByLabel('Burn-rate alerts page').selectOption({ label: 'Payments on-call' });
    await form.getByRole('button', { name: 'Add SLO' }).click();
    const row = page.getByTestId('slo-row');
    await until(() => row.count()).toBe(1);
    expect(await row.textContent()).toContain('pay.internal.example.test');
    expect(await row.textContent()).toContain('99.5 % over 28 days');
    expect(await row.textContent()).toContain('pages Payments on-call');
    const [saved] = await world.client('admin').slos.list.query({ workspace: 'acme' });
    expect(saved?.escalationPolicyId).toBe(policyId);

    // Another workspace holds the slug `taken`: refused under the field, nothing stored.
    await world
      .client('outsider')
      .statusPages.create.mutate({ workspace: 'other', slug: 'taken', title: 'Other' });
    await page.getByRole('button', { name: 'New status page' }).click();
    const pageForm = page.getByRole('form', { name: 'New status page' });
    await pageForm.getByLabel('Address (/status/…)').fill('taken');
    await pageForm.getByLabel('Public title').fill('Acme status');
    await pageForm.getByRole('button', { name: 'Create status page' }).click();
    await until(() => page.getByTestId('field-error-slug').textContent()).toBe(
      'this slug is taken: choose another',
    );
    await pageForm.getByLabel('Address (/status/…)').fill('acme-status');
    await pageForm.getByRole('button', { name: 'Create status page' }).click();
    const card = page.getByTestId('status-page');
    await until(() => card.count()).toBe(1);

    const components = page.getByRole('form', { name: 'Components of Acme status' });
    await components.getByRole('button', { name: 'Add component' }).click();
    await components.getByLabel('Public name').fill('Payments');
    await components.getByRole('button', { name: 'Save components' }).click();
    await until(() => page.getByTestId('status-pages-result').textContent()).toBe(
      'Saved what Acme status shows.',
    );
    const preview = card.getByRole('link', { name: /^Preview / });
    const url = await preview.getAttribute('href');
    expect(url).toBe(`${world.server.url}/status/acme-status`);
    await shot(page, 'reliability');

    // The preview is what the public sees: the public name, never the hostname.
    const publicPage = await fetch(url!).then((r) => r.text());
    expect(publicPage).toContain('Payments');
    expect(publicPage).not.toContain('pay.internal.example.test');
  }, 180_000);

  it('the inbox shows the error budget of an SLO that is burning', async () => {
    const { page } = admin!;
    const now = new Date();
    const rows = Array.from({ length: 120 }, (_, i) => ({
      id: randomUUID(),
      scanned_at: new Date(now.getTime() - (120 - i) * 60_000).toISOString(),
      reachable: i < 60,
    }));
    await ownerInWorkspace(world.server.services.db.owner, world.workspace.id, (c) =>
      c.query(
        `INSERT INTO snapshots (id, scanned_at, workspace_id, host_id, agent_id, reachable, body)
         SELECT x.id, x.scanned_at, $2, $3, $4, x.reachable, '{}'
         FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, scanned_at timestamptz, reachable boolean)`,
        [JSON.stringify(rows), world.workspace.id, hostId, randomUUID()],
      ),
    );
    // What the scheduler's minute job does.
    await withWorkspace(
      world.server.services.db.owner,
      world.workspace.id,
      { actor: { type: 'system', id: 'test' }, requestId: undefined },
      (tx) => evaluateSlos(tx, now),
    );
    await page.getByRole('button', { name: 'Inbox', exact: true }).click();
    const strip = page.getByTestId('burning-slo');
    await until(() => strip.count()).toBe(1);
    expect(await strip.textContent()).toMatch(/^Payments availability budget overspent by \d+ %/);
    expect(await strip.textContent()).toContain('page and ticket');
    await shot(page, 'inbox-burning-slo');
  }, 120_000);
});
