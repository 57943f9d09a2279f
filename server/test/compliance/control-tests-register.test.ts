import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { inAcme } from '../changes/support.ts';

/**
 * The control tests that read the risk register and the vendors (tables of the risk and vendor
 * module): not applicable while those tables are absent, then against rows built to pass and to
 * fail. Rows are written straight into the tables: the test is about what the control reads, not
 * about the vendor and risk procedures (their own tests cover those).
 */
const WS = 'acme';
const DAY = 86_400_000;
let now = new Date('2035-09-01T12:00:00.000Z');
let world: World;

const run = async (testId: 'critical_vendor_assessed' | 'risks_reviewed') => {
  const [result] = await world
    .client('approver')
    .controlTests.run.mutate({ workspace: WS, testIds: [testId] });
  return result!;
};
const exists = async (table: string) =>
  (
    await world.server.services.db.owner.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [
      `public.${table}`,
    ])
  ).rows[0]?.t != null;

beforeAll(async () => {
  world = await createWorld({ clock: () => now });
});
afterAll(async () => {
  await world?.close();
});

describe('critical_vendor_assessed', () => {
  it('passes when every critical vendor has an assessment younger than a year, fails when one has none or an old one', async () => {
    if (!(await exists('vendor_assessments'))) {
      expect(await run('critical_vendor_assessed')).toMatchObject({ status: 'not_applicable' });
      return;
    }
    expect(await run('critical_vendor_assessed')).toMatchObject({ status: 'not_applicable' });
    const vendor = async (name: string, tier: string) =>
      (
        await inAcme(world, (q) =>
          q<{ id: string }>(
            'INSERT INTO vendors (workspace_id, name, tier, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id',
            [world.workspace.id, name, tier, now],
          ),
        )
      ).rows[0]!.id;
    const assess = (vendorId: string, period: string, completedAt: Date) =>
      inAcme(world, (q) =>
        q(
          `INSERT INTO vendor_assessments (workspace_id, vendor_id, period, questions, created_by, created_at, completed_by, completed_at, score, outcome)
           VALUES ($1, $2, $3, '[]', 'user:test', $4, 'user:test', $4, 90, 'approved')`,
          [world.workspace.id, vendorId, period, completedAt],
        ),
      );
    const payroll = await vendor('Payroll Inc', 'critical');
    const cloud = await vendor('Cloud Co', 'critical');
    const lunch = await vendor('Lunch Ltd', 'low');
    await assess(payroll, '2035', new Date(now.getTime() - 30 * DAY));
    await assess(cloud, '2034', new Date(now.getTime() - 400 * DAY));
    const fail = await run('critical_vendor_assessed');
    expect(fail.status).toBe('fail');
    expect(fail.subjects.map((s) => [s.id, s.ok])).toEqual([
      [cloud, false],
      [payroll, true],
    ]);
    expect(fail.subjects.some((s) => s.id === lunch)).toBe(false);

    await assess(cloud, '2035', new Date(now.getTime() - DAY));
    expect(await run('critical_vendor_assessed')).toMatchObject({ status: 'pass' });
    // A year on, without new assessments, both are due again.
    now = new Date(now.getTime() + 366 * DAY);
    expect(await run('critical_vendor_assessed')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/^2 of 2/),
    });
  });
});

describe('risks_reviewed', () => {
  it('passes while open risks are within their review date, fails once one is past it; closed risks are not looked at', async () => {
    if (!(await exists('risks'))) {
      expect(await run('risks_reviewed')).toMatchObject({ status: 'not_applicable' });
      return;
    }
    const risk = async (title: string, status: string, reviewDate: Date | null) =>
      (
        await inAcme(world, (q) =>
          q<{ id: string }>(
            `INSERT INTO risks (workspace_id, title, category, likelihood, impact, status, review_date, assessed_at, created_by, created_at, updated_at)
             VALUES ($1, $2, 'security', 3, 3, $3, $4, $5, 'user:test', $5, $5) RETURNING id`,
            [world.workspace.id, title, status, reviewDate, now],
          ),
        )
      ).rows[0]!.id;
    const due = await risk('leaked keys', 'open', new Date(now.getTime() + 10 * DAY));
    await risk('old supplier', 'closed', new Date(now.getTime() - 100 * DAY));
    await risk('no date yet', 'treating', null);
    expect(await run('risks_reviewed')).toMatchObject({ status: 'pass' });
    now = new Date(now.getTime() + 11 * DAY);
    const fail = await run('risks_reviewed');
    expect(fail).toMatchObject({
      status: 'fail',
      summary: '1 of 2 open risk(s) are past their review date.',
    });
    expect(fail.subjects[0]).toMatchObject({ type: 'risk', id: due, ok: false });
    // Reviewed: the next review date moves on.
    await inAcme(world, (q) =>
      q('UPDATE risks SET review_date = $2 WHERE id = $1', [due, new Date(now.getTime() + 90 * DAY)]),
    );
    expect(await run('risks_reviewed')).toMatchObject({ status: 'pass' });
  });
});
