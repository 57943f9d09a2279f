import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { addEvidenceLink, createRisk, recordAssessment } from '../src/core/compliance-handlers.ts';
import { controlsOverview } from '../src/core/replica/controls.ts';
import { REPLICA_MIGRATIONS } from '../src/core/replica/migrations.ts';
import { openReplicaDb } from '../src/core/replica/replica.ts';
import { riskDetail, riskHeatmap, riskList, vendorDetail, vendorList } from '../src/core/replica/risks.ts';
import { openCore, switchableNetwork, tempDir } from './support/core.ts';

/**
 * Compliance through the desktop core against the real server: risks, vendors, controls with
 * their evidence and control-test results replicate (replica step 7) and the Risks, Vendors and
 * Controls pages' queries return them, offline too; an auditor's writes come back as the server's
 * refusal rather than a crash, and nothing is stored.
 */
let world: World;
const cleanups: Array<() => unknown> = [];
beforeAll(async () => {
  world = await createWorld();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await world?.close();
});

function coreOf(who: string) {
  const tmp = tempDir();
  const network = switchableNetwork();
  const opened = openCore({
    dataDir: tmp.dir,
    serverUrl: world.server.url,
    workspace: 'acme',
    token: world.tokens[who]!,
    fetch: network.fetch,
  });
  cleanups.push(() => tmp.cleanup());
  cleanups.push(() => opened.core.close());
  return { c: opened.core, network };
}

describe('compliance in the desktop replica', () => {
  it('replicates risks, vendors, controls and test results and the pages read them offline; an auditor cannot write', async () => {
    const owner = world.client('owner');
    const vendor = await owner.vendors.create.mutate({
      workspace: 'acme',
      name: 'Payroll Co',
      tier: 'critical',
    });
    const risk = await owner.risks.create.mutate({
      workspace: 'acme',
      title: 'Payroll data leak',
      category: 'privacy',
      likelihood: 4,
      impact: 5,
      residualLikelihood: 2,
      residualImpact: 3,
      vendorIds: [vendor.id],
    });
    const control = await owner.controls.create.mutate({
      workspace: 'acme',
      title: 'Encrypt data at rest',
      status: 'implemented',
      requirements: [{ framework: 'nist-csf-2.0', ref: 'PR.DS-01' }],
    });
    await owner.controls.create.mutate({
      workspace: 'acme',
      title: 'Asset inventory',
      requirements: [{ framework: 'nist-csf-2.0', ref: 'ID.AM-01' }],
    });
    await owner.evidence.add.mutate({
      workspace: 'acme',
      controlId: control.id,
      title: 'KMS settings',
      url: 'https://evidence.example.test/kms',
    });
    await owner.controlTests.run.mutate({ workspace: 'acme' });

    // An auditor's replica: it receives the compliance tables (and nothing it may not read).
    const { c, network } = coreOf('auditor');
    await c.engine.syncNow();
    network.online = false;
    expect(c.db.prepare(`SELECT count(*) AS n FROM records WHERE tbl IN ('hosts', 'changes')`).get()).toEqual(
      {
        n: 0,
      },
    );

    const inherent = riskList(c.db, { view: 'inherent', likelihood: 4, impact: 5 });
    expect(inherent.map((r) => r.title)).toEqual(['Payroll data leak']);
    expect(inherent[0]).toMatchObject({ score: 20, residualScore: 6, status: 'open' });
    expect(riskList(c.db, { view: 'residual', likelihood: 4, impact: 5 })).toEqual([]);
    expect(riskList(c.db, { view: 'residual', likelihood: 2, impact: 3 })).toHaveLength(1);
    expect(riskHeatmap(c.db, 'inherent').counts[3]![4]).toBe(1);
    expect(riskHeatmap(c.db, 'residual').counts[1]![2]).toBe(1);
    expect(riskDetail(c.db, risk.id)).toMatchObject({
      title: 'Payroll data leak',
      vendors: [{ id: vendor.id, name: 'Payroll Co' }],
      signals: [],
    });

    expect(vendorList(c.db)).toEqual([expect.objectContaining({ id: vendor.id, tier: 'critical' })]);
    expect(vendorDetail(c.db, vendor.id)).toMatchObject({ name: 'Payroll Co', assessments: [], hosts: [] });

    const overview = controlsOverview(c.db, new Date());
    // Needing evidence first: the inventory has none; the encrypted store has its link.
    expect(overview.controls.map((x) => [x.title, x.needsEvidence])).toEqual([
      ['Asset inventory', true],
      ['Encrypt data at rest', false],
    ]);
    expect(overview.controls[1]!.evidence).toEqual([
      expect.objectContaining({ title: 'KMS settings', url: 'https://evidence.example.test/kms' }),
    ]);
    const csf = overview.coverage.find((f) => f.key === 'nist-csf-2.0');
    expect(csf?.groups.map((g) => g.ref)).toEqual(['GV', 'ID', 'PR', 'DE', 'RS', 'RC']);
    expect(csf?.groups.find((g) => g.ref === 'PR')).toMatchObject({ covered: 1, implemented: 1 });
    expect(csf?.groups.find((g) => g.ref === 'ID')).toMatchObject({ covered: 0, implemented: 0 });
    // The server's own answer agrees with the replica's computation.
    const server = await owner.frameworks.coverage.query({ workspace: 'acme', framework: 'nist-csf-2.0' });
    expect(csf).toMatchObject({ total: server.total, covered: server.covered });
    expect(overview.tests.length).toBeGreaterThan(0);
    expect(overview.tests.every((t) => t.summary.length > 0 && Array.isArray(t.subjects))).toBe(true);

    // Writing needs the server: offline it says so; an auditor is refused, nothing stored.
    const draft = { title: 'Auditor risk', category: 'ops', likelihood: 2, impact: 2 };
    expect(await createRisk(c, draft)).toMatchObject({ ok: false, reason: 'offline' });
    network.online = true;
    const { c: auditor } = coreOf('auditor');
    expect(await createRisk(auditor, draft)).toMatchObject({ ok: false, reason: 'refused' });
    expect(
      await addEvidenceLink(auditor, {
        controlId: control.id,
        title: 'x',
        url: 'https://x.test',
        expiresAt: '',
      }),
    ).toMatchObject({ ok: false, reason: 'refused' });
    expect((await world.client('auditor').risks.list.query({ workspace: 'acme' })).length).toBe(1);
    const risks = await owner.risks.list.query({ workspace: 'acme' });
    expect(risks.map((r) => r.title)).toEqual(['Payroll data leak']);
  });

  it("an approver's risk and evidence link go online; a bad rating comes back as the server's field error", async () => {
    const { c } = coreOf('approver');
    const bad = await createRisk(c, { title: 'Too likely', category: 'ops', likelihood: 9, impact: 2 });
    expect(bad).toMatchObject({ ok: false, reason: 'refused' });
    expect(bad.ok ? {} : bad.fieldErrors).toHaveProperty('likelihood');
    const made = await createRisk(c, {
      title: 'Office flood',
      category: 'facilities',
      likelihood: 2,
      impact: 4,
    });
    expect(made.ok).toBe(true);
    await c.engine.syncNow();
    expect(riskList(c.db, { view: 'inherent' }).map((r) => r.title)).toContain('Office flood');

    const control = (await world.client('owner').controls.list.query({ workspace: 'acme' })).find(
      (x) => x.title === 'Asset inventory',
    )!;
    const badLink = await addEvidenceLink(c, {
      controlId: control.id,
      title: 'Inventory',
      url: 'ftp://x',
      expiresAt: '',
    });
    expect(badLink.ok ? {} : badLink.fieldErrors).toHaveProperty('url');
    const link = await addEvidenceLink(c, {
      controlId: control.id,
      title: 'Inventory export',
      url: 'https://evidence.example.test/inventory',
      expiresAt: '',
    });
    expect(link.ok).toBe(true);
    await c.engine.syncNow();
    const row = controlsOverview(c.db, new Date()).controls.find((x) => x.id === control.id);
    expect(row?.evidence.map((e) => e.title)).toEqual(['Inventory export']);

    // A vendor's open assessment shows its questions offline; recording it is online and scored.
    const owner = world.client('owner');
    const template = await owner.assessments.createTemplate.mutate({
      workspace: 'acme',
      name: 'Basic security',
      questions: [
        { id: 'mfa', text: 'Do staff use MFA?', weight: 3, type: 'yes_no' },
        { id: 'patching', text: 'How timely is patching?', weight: 1, type: 'scale' },
      ],
    });
    const vendor = (await owner.vendors.list.query({ workspace: 'acme' })).find(
      (v) => v.name === 'Payroll Co',
    )!;
    const started = await owner.assessments.create.mutate({
      workspace: 'acme',
      vendorId: vendor.id,
      templateId: template.id,
      period: '2026',
    });
    await c.engine.syncNow();
    expect(vendorDetail(c.db, vendor.id)?.assessments).toEqual([
      expect.objectContaining({
        period: '2026',
        completedAt: undefined,
        questions: [
          expect.objectContaining({ id: 'mfa', type: 'yes_no' }),
          expect.objectContaining({ id: 'patching', type: 'scale' }),
        ],
      }),
    ]);
    const unanswered = await recordAssessment(c, {
      assessmentId: started.id,
      answers: { mfa: true },
      findings: '',
      outcome: 'approved',
    });
    expect(unanswered.ok ? {} : unanswered.fieldErrors).toHaveProperty(['answers.patching']);
    const recorded = await recordAssessment(c, {
      assessmentId: started.id,
      answers: { mfa: true, patching: 5 },
      findings: 'Fine.',
      outcome: 'approved',
    });
    expect(recorded.ok).toBe(true);
    await c.engine.syncNow();
    expect(vendorDetail(c.db, vendor.id)?.assessments[0]).toMatchObject({ score: 100, outcome: 'approved' });
  });

  it('step 7 upgrades a version-6 replica that already holds compliance rows in place', () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = `${dir}/v6.sqlite`;
      const old = new Database(file);
      for (const m of REPLICA_MIGRATIONS.filter((m) => m.version <= 6)) old.exec(m.sql);
      old.pragma('user_version = 6');
      // Rows pulled before this build knew the tables: records keeps them as JSON all along.
      const row = { id: 'r1', title: 'Old risk', category: 'ops', likelihood: 5, impact: 5, status: 'open' };
      old
        .prepare('INSERT INTO records (tbl, id, data) VALUES (?, ?, ?)')
        .run('risks', 'r1', JSON.stringify(row));
      old.close();
      const db = openReplicaDb(file);
      expect(db.pragma('user_version', { simple: true })).toBe(REPLICA_MIGRATIONS.at(-1)!.version);
      expect(riskList(db, { view: 'inherent' })).toEqual([
        expect.objectContaining({ title: 'Old risk', score: 25 }),
      ]);
      expect(riskHeatmap(db, 'residual').counts[4]![4]).toBe(1);
      db.close();
    } finally {
      cleanup();
    }
  });
});
