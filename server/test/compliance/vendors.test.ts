import { randomUUID } from 'node:crypto';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { complianceReminderJobs } from '../../src/jobs/compliance-reminders.ts';
import { scopedQuery } from '../incidents/scoped-db.ts';

/**
 * Vendors and their assessments through the real API: tiers, contract dates in order, the owner a
 * member who may act on compliance, monitored endpoints with their current grades, a renewal
 * reminder by the injected clock (announced once), questionnaires scored by weight, one
 * assessment per period, the next review by tier, audit rows and events, and tenancy.
 */
let world: World;
let now = new Date('2026-03-01T12:00:00Z');
let userIds: Record<string, string>;
let hostId: string;
beforeAll(async () => {
  world = await createWorld({ clock: () => now });
  const { rows } = await world.server.services.db.owner.query<{ id: string; email: string }>(
    'SELECT id, email FROM users',
  );
  userIds = Object.fromEntries(rows.map((u) => [u.email.split('@')[0] ?? '', u.id]));
  ({ id: hostId } = await world
    .client('member')
    .hosts.add.mutate({ workspace: 'acme', hostname: 'api.stripe.test', port: 443 }));
  // The endpoint's latest scan, as ingest stores it: graded A.
  await world.server.services.db.owner.query(
    `INSERT INTO host_status (host_id, workspace_id, snapshot_id, scanned_at, reachable, grade, facts)
     VALUES ($1, $2, $3, now(), true, 'A', '{}')`,
    [hostId, world.workspace.id, randomUUID()],
  );
});
afterAll(async () => {
  await world?.close();
});

const approver = () => world.client('approver');
const base = { workspace: 'acme', name: 'Stripe', tier: 'critical' as const };

async function refusal(call: () => Promise<unknown>) {
  try {
    await call();
  } catch (err) {
    if (!(err instanceof TRPCClientError)) throw err;
    const data = err.data as { code: string; fieldErrors?: Record<string, string> };
    return { code: data.code, fieldErrors: data.fieldErrors ?? {}, message: err.message };
  }
  throw new Error('the call succeeded');
}
const count = async (sql: string, values: unknown[] = []) => (await scopedQuery(world, sql, values)).length;

let vendorId: string;

describe('vendors', () => {
  it('registers a vendor whose endpoints show their current grades, with an audit row and event', async () => {
    const v = await approver().vendors.create.mutate({
      ...base,
      ownerId: userIds.approver,
      services: ['card payments'],
      dataHeld: ['cardholder data'],
      contractStart: new Date('2025-04-01T00:00:00Z'),
      renewalDate: new Date('2026-04-01T00:00:00Z'),
      contractEnd: new Date('2027-04-01T00:00:00Z'),
      renewalNoticeDays: 14,
      hostIds: [hostId],
    });
    vendorId = v.id;
    const risk = await approver().risks.create.mutate({
      workspace: 'acme',
      title: 'Payment processor breach',
      category: 'third party',
      likelihood: 2,
      impact: 5,
      vendorIds: [v.id],
    });
    const got = await world.client('auditor').vendors.get.query({ workspace: 'acme', id: v.id });
    expect(got.endpoints).toMatchObject([{ hostId, hostname: 'api.stripe.test', grade: 'A' }]);
    expect(got.risks).toMatchObject([{ id: risk.id, inherentScore: 10 }]);
    // Never assessed: a critical vendor's review is due at once.
    expect(got).toMatchObject({ lastAssessedAt: null, reviewDue: true, renewalDue: false });
    expect(
      await count("SELECT 1 FROM audit_events WHERE action = 'vendor.created' AND target_id = $1", [v.id]),
    ).toBe(1);
    expect(
      await count("SELECT 1 FROM events WHERE type = 'vendor.created' AND payload->>'vendorId' = $1", [v.id]),
    ).toBe(1);
  });

  it('is due for renewal within its notice period by the injected clock, announced once', async () => {
    const job = complianceReminderJobs(world.server.services.db)[0]!;
    await job.run(now);
    const announced = () =>
      count("SELECT 1 FROM events WHERE type = 'vendor.renewal_due' AND payload->>'vendorId' = $1", [
        vendorId,
      ]);
    expect(await announced()).toBe(0);
    now = new Date('2026-03-20T00:00:00Z'); // 12 days before renewal, notice 14
    expect((await approver().vendors.get.query({ workspace: 'acme', id: vendorId })).renewalDue).toBe(true);
    expect(
      (await approver().vendors.list.query({ workspace: 'acme', renewalDue: true })).map((v) => v.id),
    ).toEqual([vendorId]);
    await job.run(now);
    await job.run(now);
    expect(await announced()).toBe(1);
  });

  it.each([
    [
      { renewalDate: new Date('2020-01-01T00:00:00Z'), contractStart: new Date('2021-01-01T00:00:00Z') },
      'renewalDate',
    ],
    [
      { contractEnd: new Date('2020-01-01T00:00:00Z'), contractStart: new Date('2021-01-01T00:00:00Z') },
      'contractEnd',
    ],
    [{ tier: 'vital' }, 'tier'],
    [{ ownerId: '00000000-0000-4000-8000-000000000000' }, 'ownerId'],
    [{ hostIds: ['00000000-0000-4000-8000-000000000000'] }, 'hostIds.0'],
    [{ renewalNoticeDays: 0 }, 'renewalNoticeDays'],
  ])('%j is refused naming %s, nothing stored', async (patch, field) => {
    const before = await count('SELECT 1 FROM vendors');
    const input = { ...base, name: `Bad ${field}`, ...patch } as typeof base;
    const r = await refusal(() => approver().vendors.create.mutate(input));
    expect(r.code).toBe('BAD_REQUEST');
    expect(Object.keys(r.fieldErrors)).toContain(field);
    expect(await count('SELECT 1 FROM vendors')).toBe(before);
  });

  it('refuses an owner whose role cannot act on compliance, naming ownerId', async () => {
    const r = await refusal(() =>
      approver().vendors.create.mutate({ ...base, name: 'Owned by a member', ownerId: userIds.member }),
    );
    expect(r.fieldErrors.ownerId).toMatch(/whose role cannot approve/);
  });

  it("keeps another workspace's vendors out of reach", async () => {
    const theirs = await world.client('outsider').vendors.create.mutate({ ...base, workspace: 'other' });
    expect(
      (await refusal(() => approver().vendors.get.query({ workspace: 'acme', id: theirs.id }))).code,
    ).toBe('NOT_FOUND');
    expect((await approver().vendors.list.query({ workspace: 'acme' })).map((v) => v.id)).not.toContain(
      theirs.id,
    );
    const r = await refusal(() =>
      approver().risks.create.mutate({
        workspace: 'acme',
        title: 'x',
        category: 'x',
        likelihood: 1,
        impact: 1,
        vendorIds: [theirs.id],
      }),
    );
    expect(r.fieldErrors['vendorIds.0']).toMatch(/no such vendor/);
  });
});

describe('assessments', () => {
  const questions = [
    { id: 'soc2', text: 'Do you hold a current SOC 2 Type II report?', weight: 3, type: 'yes_no' as const },
    { id: 'mfa', text: 'How mature is MFA for staff?', weight: 1, type: 'scale' as const },
    { id: 'notes', text: 'Anything else?', weight: 1, type: 'text' as const },
  ];
  let templateId: string;

  it('scores a recorded assessment by weight and moves the next review a year on for a critical vendor', async () => {
    ({ id: templateId } = await approver().assessments.createTemplate.mutate({
      workspace: 'acme',
      name: 'Standard',
      questions,
    }));
    const a = await approver().assessments.create.mutate({
      workspace: 'acme',
      vendorId,
      templateId,
      period: '2026',
    });
    const bad = await refusal(() =>
      approver().assessments.record.mutate({
        workspace: 'acme',
        id: a.id,
        answers: { soc2: true, mfa: 7 },
        outcome: 'approved',
      }),
    );
    expect(bad.fieldErrors['answers.mfa']).toBe('must be a whole number from 1 to 5');
    const done = await approver().assessments.record.mutate({
      workspace: 'acme',
      id: a.id,
      answers: { soc2: true, mfa: 3, notes: 'Pen test summary shared' },
      findings: 'MFA not enforced for contractors',
      outcome: 'approved_with_conditions',
    });
    expect(done).toMatchObject({ score: 88, outcome: 'approved_with_conditions' });
    const v = await approver().vendors.get.query({ workspace: 'acme', id: vendorId });
    expect(v.nextReviewDue).toEqual(new Date(new Date(now).setUTCFullYear(now.getUTCFullYear() + 1)));
    expect(v.reviewDue).toBe(false);
    expect(v.assessments).toMatchObject([{ id: a.id, score: 88 }]);
    expect(
      await count("SELECT 1 FROM audit_events WHERE action = 'assessment.recorded' AND target_id = $1", [
        a.id,
      ]),
    ).toBe(1);
    expect(
      await count(
        "SELECT 1 FROM events WHERE type = 'assessment.recorded' AND payload->>'assessmentId' = $1",
        [a.id],
      ),
    ).toBe(1);
    // Recorded is final; a period has one assessment.
    const again = await refusal(() =>
      approver().assessments.record.mutate({
        workspace: 'acme',
        id: a.id,
        answers: { soc2: false, mfa: 1 },
        outcome: 'rejected',
      }),
    );
    expect(again.code).toBe('CONFLICT');
    const dup = await refusal(() =>
      approver().assessments.create.mutate({ workspace: 'acme', vendorId, templateId, period: '2026' }),
    );
    expect(dup.fieldErrors.period).toBe('already has an assessment');
  });

  it('removes a vendor with its assessments and unlinks its risks', async () => {
    const v = await approver().vendors.create.mutate({ ...base, name: 'Short-lived', tier: 'low' });
    const a = await approver().assessments.create.mutate({
      workspace: 'acme',
      vendorId: v.id,
      templateId,
      period: '2026',
    });
    const r = await approver().risks.create.mutate({
      workspace: 'acme',
      title: 'Short-lived vendor fails',
      category: 'third party',
      likelihood: 1,
      impact: 2,
      vendorIds: [v.id],
    });
    expect(await approver().vendors.remove.mutate({ workspace: 'acme', id: v.id })).toEqual({ id: v.id });
    expect(await count('SELECT 1 FROM vendor_assessments WHERE id = $1', [a.id])).toBe(0);
    expect((await approver().risks.get.query({ workspace: 'acme', id: r.id })).vendorIds).toEqual([]);
    expect(
      await count("SELECT 1 FROM audit_events WHERE action = 'vendor.removed' AND target_id = $1", [v.id]),
    ).toBe(1);
  });

  it('refuses a template with a bad weight or a repeated question, naming it', async () => {
    const r = await refusal(() =>
      approver().assessments.createTemplate.mutate({
        workspace: 'acme',
        name: 'Bad',
        questions: [{ ...questions[0]!, weight: 0 }],
      }),
    );
    expect(Object.keys(r.fieldErrors)).toContain('questions.0.weight');
    const d = await refusal(() =>
      approver().assessments.createTemplate.mutate({
        workspace: 'acme',
        name: 'Dup',
        questions: [questions[0]!, questions[0]!],
      }),
    );
    expect(d.fieldErrors['questions.1.id']).toMatch(/repeats/);
    expect((await approver().assessments.templates.query({ workspace: 'acme' })).map((t) => t.name)).toEqual([
      'Standard',
    ]);
  });
});
