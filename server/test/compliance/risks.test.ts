import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { complianceReminderJobs } from '../../src/jobs/compliance-reminders.ts';
import { scopedQuery } from '../incidents/scoped-db.ts';

/**
 * The risk register through the real API: ratings and scores, links, status history written by
 * the domain, the heat map, review due by the injected clock (and announced once by the
 * scheduler's job), bad input refused by name with nothing stored, audit rows and events, and
 * another workspace's risks out of reach.
 */
let world: World;
let now = new Date('2026-06-01T12:00:00Z');
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
    .hosts.add.mutate({ workspace: 'acme', hostname: 'pay.internal', port: 443 }));
});
afterAll(async () => {
  await world?.close();
});

const approver = () => world.client('approver');
const base = {
  workspace: 'acme',
  title: 'Card data exposure',
  category: 'security',
  likelihood: 4,
  impact: 5,
};

/** The base input with a bad value swapped in (typed loosely on purpose: the values are wrong). */
const withPatch = (patch: Record<string, unknown>): typeof base => ({ ...base, ...patch });

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

describe('the risk register', () => {
  it('records a risk with scores, links and its first history entry, with an audit row and event', async () => {
    const risk = await approver().risks.create.mutate({
      ...base,
      ownerId: userIds.approver,
      residualLikelihood: 2,
      residualImpact: 3,
      treatment: 'mitigate',
      treatmentPlan: 'Tokenise card numbers',
      hostIds: [hostId],
      controlIds: ['0b7c3c2e-8a4f-4f5e-9d61-4b1b8f0e2a11'],
    });
    expect(risk).toMatchObject({ inherentScore: 20, residualScore: 6, status: 'open', reviewDue: false });
    const got = await world.client('auditor').risks.get.query({ workspace: 'acme', id: risk.id });
    expect(got.hostIds).toEqual([hostId]);
    expect(got.controlIds).toEqual(['0b7c3c2e-8a4f-4f5e-9d61-4b1b8f0e2a11']);
    expect(got.history).toMatchObject([{ kind: 'created', to: 'open' }]);
    expect(
      await count("SELECT 1 FROM audit_events WHERE action = 'risk.created' AND target_id = $1", [risk.id]),
    ).toBe(1);
    expect(
      await count("SELECT 1 FROM events WHERE type = 'risk.created' AND payload->>'riskId' = $1", [risk.id]),
    ).toBe(1);
  });

  it('keeps status moves and re-assessments in the history, and adds treatment tasks', async () => {
    const { id } = await approver().risks.create.mutate({ ...base, title: 'Vendor outage' });
    await approver().risks.update.mutate({ workspace: 'acme', id, status: 'treating' });
    await approver().risks.update.mutate({ workspace: 'acme', id, likelihood: 2 });
    const task = await approver().risks.addTask.mutate({
      workspace: 'acme',
      id,
      title: 'Second payment provider',
    });
    const got = await approver().risks.get.query({ workspace: 'acme', id });
    expect(got.history.map((h) => [h.kind, h.from, h.to])).toEqual([
      ['created', null, 'open'],
      ['status', 'open', 'treating'],
      ['assessed', 'treating', 'treating'],
    ]);
    expect(got.tasks).toMatchObject([{ id: task.id, title: 'Second payment provider', status: 'todo' }]);
    expect(got.inherentScore).toBe(10);
    expect(
      await count("SELECT 1 FROM audit_events WHERE action = 'risk.updated' AND target_id = $1", [id]),
    ).toBe(2);
  });

  it('removes a risk with its links and history, keeping what it was in the audit log', async () => {
    const { id } = await approver().risks.create.mutate({ ...base, title: 'Gone soon', hostIds: [hostId] });
    await approver().risks.update.mutate({ workspace: 'acme', id, status: 'accepted' });
    expect(await approver().risks.remove.mutate({ workspace: 'acme', id })).toEqual({ id });
    expect(await count('SELECT 1 FROM risk_history WHERE risk_id = $1', [id])).toBe(0);
    expect(await count('SELECT 1 FROM risk_hosts WHERE risk_id = $1', [id])).toBe(0);
    const audit = await scopedQuery<{ summary: string }>(
      world,
      "SELECT summary FROM audit_events WHERE action = 'risk.removed' AND target_id = $1",
      [id],
    );
    expect(JSON.parse(audit[0]!.summary)).toMatchObject({
      before: { title: 'Gone soon', status: 'accepted' },
    });
    expect((await refusal(() => approver().risks.get.query({ workspace: 'acme', id }))).code).toBe(
      'NOT_FOUND',
    );
  });

  it('draws the heat map from the register (closed risks left out)', async () => {
    const { id } = await approver().risks.create.mutate({
      ...base,
      title: 'Closed one',
      likelihood: 1,
      impact: 1,
    });
    await approver().risks.update.mutate({ workspace: 'acme', id, status: 'closed' });
    const map = await world.client('auditor').risks.heatmap.query({ workspace: 'acme' });
    const risks = await approver().risks.list.query({
      workspace: 'acme',
      status: ['open', 'treating', 'accepted'],
    });
    expect(map.inherent.total).toBe(risks.length);
    for (const r of risks) expect(map.inherent.cells[r.likelihood - 1]?.[r.impact - 1]).toBeGreaterThan(0);
    expect(map.inherent.cells[0]?.[0]).toBe(0);
    const all = await approver().risks.heatmap.query({ workspace: 'acme', includeClosed: true });
    expect(all.inherent.cells[0]?.[0]).toBe(1);
  });

  it('is due for review once the injected clock reaches its review date, and announced once', async () => {
    const { id } = await approver().risks.create.mutate({
      ...base,
      title: 'Review me',
      reviewDate: new Date('2026-07-01T00:00:00Z'),
    });
    const job = complianceReminderJobs(world.server.services.db)[0]!;
    await job.run(now);
    expect((await approver().risks.get.query({ workspace: 'acme', id })).reviewDue).toBe(false);
    expect(
      await count("SELECT 1 FROM events WHERE type = 'risk.review_due' AND payload->>'riskId' = $1", [id]),
    ).toBe(0);
    now = new Date('2026-07-01T00:00:01Z');
    expect((await approver().risks.get.query({ workspace: 'acme', id })).reviewDue).toBe(true);
    const due = await approver().risks.list.query({ workspace: 'acme', reviewDue: true });
    expect(due.map((r) => r.id)).toContain(id);
    await job.run(now);
    await job.run(now);
    expect(
      await count("SELECT 1 FROM events WHERE type = 'risk.review_due' AND payload->>'riskId' = $1", [id]),
    ).toBe(1);
    // Moving the date on ends it being due.
    await approver().risks.update.mutate({
      workspace: 'acme',
      id,
      reviewDate: new Date('2027-07-01T00:00:00Z'),
    });
    expect((await approver().risks.get.query({ workspace: 'acme', id })).reviewDue).toBe(false);
  });
});

describe('bad input', () => {
  it.each([
    [{ likelihood: 6 }, 'likelihood'],
    [{ impact: 0 }, 'impact'],
    [{ likelihood: 2.5 }, 'likelihood'],
    [{ residualLikelihood: 2 }, 'residualImpact'],
    [{ treatment: 'ignore' }, 'treatment'],
    [{ ownerId: '00000000-0000-4000-8000-000000000000' }, 'ownerId'],
    [{ hostIds: ['00000000-0000-4000-8000-000000000000'] }, 'hostIds.0'],
    [{ vendorIds: ['00000000-0000-4000-8000-000000000000'] }, 'vendorIds.0'],
    [{ title: '' }, 'title'],
  ])('%j is refused naming %s, nothing stored', async (patch, field) => {
    const before = await count('SELECT 1 FROM risks');
    const r = await refusal(() => approver().risks.create.mutate(withPatch(patch)));
    expect(r.code).toBe('BAD_REQUEST');
    expect(Object.keys(r.fieldErrors)).toContain(field);
    expect(await count('SELECT 1 FROM risks')).toBe(before);
  });

  it('refuses an owner who is a member without compliance rights, naming ownerId', async () => {
    const r = await refusal(() => approver().risks.create.mutate({ ...base, ownerId: userIds.member }));
    expect(r.fieldErrors.ownerId).toMatch(/member of this workspace, whose role cannot approve/);
  });

  it('refuses an owner of another workspace as not a member', async () => {
    const r = await refusal(() => approver().risks.create.mutate({ ...base, ownerId: userIds.outsider }));
    expect(r.fieldErrors.ownerId).toMatch(/not a member/);
  });
});

describe('replication', () => {
  type Change = { table: string; rowId: string; row: Record<string, unknown> | null };
  async function pullAll(who: string) {
    const changes: Change[] = [];
    let cursor = 0;
    let more = true;
    while (more) {
      const page = await world.client(who).sync.pull.query({ workspace: 'acme', cursor, limit: 1000 });
      changes.push(...(page.changes as Change[]));
      ({ cursor, more } = page);
    }
    return changes;
  }

  it('sends the register, its links and history to approvers, not to members', async () => {
    const risk = await approver().risks.create.mutate({ ...base, title: 'Replicated', hostIds: [hostId] });
    const changes = await pullAll('approver');
    expect(changes.find((c) => c.table === 'risks' && c.rowId === risk.id)?.row).toMatchObject({
      title: 'Replicated',
    });
    expect(changes.find((c) => c.table === 'risks' && c.rowId === risk.id)?.row).not.toHaveProperty(
      'review_announced_for',
    );
    expect(changes.some((c) => c.table === 'risk_hosts' && c.row?.risk_id === risk.id)).toBe(true);
    expect(changes.some((c) => c.table === 'risk_history' && c.row?.risk_id === risk.id)).toBe(true);
    const member = await pullAll('member');
    expect(member.some((c) => c.table.startsWith('risk'))).toBe(false);
  });
});

describe('access and tenancy', () => {
  it('lets auditors read and not write; members neither', async () => {
    expect((await refusal(() => world.client('auditor').risks.create.mutate(base))).code).toBe('FORBIDDEN');
    expect((await refusal(() => world.client('member').risks.list.query({ workspace: 'acme' }))).code).toBe(
      'FORBIDDEN',
    );
  });

  it("keeps another workspace's risks out of reach, in the API and in the database", async () => {
    const theirs = await world.client('outsider').risks.create.mutate({ ...base, workspace: 'other' });
    const r = await refusal(() => approver().risks.get.query({ workspace: 'acme', id: theirs.id }));
    expect(r.code).toBe('NOT_FOUND');
    expect(
      (await refusal(() => approver().risks.remove.mutate({ workspace: 'acme', id: theirs.id }))).code,
    ).toBe('NOT_FOUND');
    // Row security, as the server's own role (no BYPASSRLS): inside acme the row does not exist.
    const asApp = async (workspaceId: string) => {
      const client = await world.server.services.db.app.connect();
      try {
        await client.query('BEGIN');
        await client.query("SELECT set_config('vigilo.workspace_id', $1, true)", [workspaceId]);
        const { rowCount } = await client.query('SELECT 1 FROM risks WHERE id = $1', [theirs.id]);
        await client.query('COMMIT');
        return rowCount;
      } finally {
        client.release();
      }
    };
    expect(await asApp(world.workspace.id)).toBe(0);
    expect(await asApp(world.other.id)).toBe(1);
  });
});
