import { createHash } from 'node:crypto';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVIDENCE_FILE_MAX_BYTES } from '@vigilo/shared/frameworks';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { EVIDENCE_EVERY_MS, evidenceJobs } from '../../src/jobs/evidence-jobs.ts';
import { createScheduler } from '../../src/jobs/scheduler.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { userId } from '../changes/support.ts';
import { scopedQuery } from '../incidents/scoped-db.ts';

/**
 * Controls and their evidence against the shipped NIST CSF 2.0, on an injected clock: mappings
 * and owners checked, a file stored with its SHA-256 and size (and one over the cap refused),
 * evidence expiring flipping its control to "needs evidence" through the scheduled job with its
 * event, reminders before that, and the coverage math per function.
 */
const WS = 'acme';
const DAY = 86_400_000;
let now = new Date('2033-01-10T09:00:00.000Z');
let world: World;
const approver = () => world.client('approver');
const csf = (ref: string) => ({ framework: 'nist-csf-2.0', ref });

beforeAll(async () => {
  world = await createWorld({ clock: () => now });
});
afterAll(async () => {
  await world?.close();
});

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

const count = async (sql: string) => (await scopedQuery(world, sql)).length;

async function runJob() {
  const scheduler = createScheduler({
    owner: world.server.services.db.owner,
    jobs: evidenceJobs(world.server.services.db),
    clock: () => now,
    log: createLogger('silent'),
    autoStart: false,
  });
  const ran = await scheduler.tick();
  await scheduler.stop();
  return ran;
}

/** Audit rows of `action` about `target` (a control or evidence id). */
const audit = (action: string, target: string) =>
  scopedQuery<{ summary: string; actor: string }>(
    world,
    "SELECT summary, actor_type || ':' || actor_id AS actor FROM audit_events WHERE workspace_id = $1 AND action = $2 AND target_id = $3 ORDER BY seq",
    [world.workspace.id, action, target],
  );

describe('controls', () => {
  it('are created mapped to subcategories, owned by a member, and need evidence until they have some', async () => {
    const memberId = await userId(world, 'member');
    const c = await approver().controls.create.mutate({
      workspace: WS,
      title: 'TLS everywhere',
      ownerId: memberId,
      status: 'implemented',
      requirements: [csf('PR.DS-02'), csf('PR.DS-01')],
    });
    expect(c).toMatchObject({
      ownerId: memberId,
      status: 'implemented',
      needsEvidence: true,
      state: 'needs_evidence',
      requirements: [
        { framework: 'nist-csf-2.0', ref: 'PR.DS-01' },
        { framework: 'nist-csf-2.0', ref: 'PR.DS-02' },
      ],
    });
    const list = await world.client('auditor').controls.list.query({ workspace: WS });
    expect(list.map((x) => x.id)).toContain(c.id);
    await approver().controls.remove.mutate({ workspace: WS, id: c.id });
    expect(await count('SELECT 1 FROM controls')).toBe(0);
  });

  it('refuses unknown framework identifiers, a group instead of a subcategory, and an owner who is not a member, storing nothing', async () => {
    const outsiderId = await userId(world, 'outsider');
    const viewerId = await userId(world, 'viewer');
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [
        { requirements: [csf('PR.DS-01'), { framework: 'nist-csf-9', ref: 'PR.DS-01' }] },
        'requirements.1.framework',
        /no framework "nist-csf-9"/,
      ],
      [
        { requirements: [csf('PR.DS-99')] },
        'requirements.0.ref',
        /"PR.DS-99" is not a requirement of nist-csf-2.0/,
      ],
      [{ requirements: [csf('PR.DS')] }, 'requirements.0.ref', /groups other requirements.*such as PR.DS-01/],
      [{ requirements: [csf('PR.DS-01')], ownerId: outsiderId }, 'ownerId', /not a member/],
      [{ requirements: [csf('PR.DS-01')], ownerId: viewerId }, 'ownerId', /viewer/],
      [{ requirements: [] }, 'requirements', /at least one/],
      [
        { requirements: [csf('PR.DS-01')], status: 'done' },
        'status',
        /not_implemented, partial, implemented/,
      ],
    ];
    for (const [patch, field, message] of cases) {
      const r = await refusal(() =>
        approver().controls.create.mutate({ workspace: WS, title: 'Bad', ...patch } as Parameters<
          ReturnType<typeof approver>['controls']['create']['mutate']
        >[0]),
      );
      expect(r.code, field).toBe('BAD_REQUEST');
      expect(r.fieldErrors[field], field).toMatch(message);
    }
    expect(await count('SELECT 1 FROM controls')).toBe(0);
    expect(await count('SELECT 1 FROM control_requirements')).toBe(0);
  });
});

describe('evidence', () => {
  it('stores a file with its SHA-256 and size, gives it back, and refuses one over the cap naming the field', async () => {
    const c = await approver().controls.create.mutate({
      workspace: WS,
      title: 'Backups',
      requirements: [csf('PR.DS-11')],
    });
    const bytes = Buffer.from('backup restore test passed on 2033-01-09\n'.repeat(100));
    const e = await approver().evidence.add.mutate({
      workspace: WS,
      controlId: c.id,
      title: 'Restore test log',
      file: { name: 'restore.log', mediaType: 'text/plain', contentBase64: bytes.toString('base64') },
    });
    expect(e).toMatchObject({
      kind: 'file',
      fileName: 'restore.log',
      sizeBytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      current: true,
    });
    const back = await world.client('auditor').evidence.file.query({ workspace: WS, id: e.id });
    expect(Buffer.from(back.contentBase64, 'base64').equals(bytes)).toBe(true);

    const big = Buffer.alloc(EVIDENCE_FILE_MAX_BYTES + 1, 1);
    const r = await refusal(() =>
      approver().evidence.add.mutate({
        workspace: WS,
        controlId: c.id,
        title: 'Too big',
        file: {
          name: 'big.bin',
          mediaType: 'application/octet-stream',
          contentBase64: big.toString('base64'),
        },
      }),
    );
    expect(r.code).toBe('BAD_REQUEST');
    expect(r.fieldErrors['file.contentBase64']).toMatch(
      /is 5242881 bytes; a file may be at most 5242880 bytes \(5 MB\)/,
    );
    expect(await count('SELECT 1 FROM evidence')).toBe(1);
    expect(await count('SELECT 1 FROM evidence_files')).toBe(1);
    // The bytes are not replicated: the change log holds the metadata row only.
    const logged = await scopedQuery<{ table_name: string; row: Record<string, unknown> }>(
      world,
      "SELECT table_name, row FROM row_changes WHERE workspace_id = $1 AND table_name LIKE 'evidence%'",
      [world.workspace.id],
    );
    expect(logged.map((l) => l.table_name)).toEqual(['evidence']);
    expect(logged[0]!.row).toMatchObject({ sha256: e.sha256, size_bytes: bytes.length });
    await approver().controls.remove.mutate({ workspace: WS, id: c.id });
  });

  it('refuses an expiry before its effective date and evidence for an unknown control, storing nothing', async () => {
    const c = await approver().controls.create.mutate({
      workspace: WS,
      title: 'MFA',
      requirements: [csf('PR.AA-03')],
    });
    const r = await refusal(() =>
      approver().evidence.add.mutate({
        workspace: WS,
        controlId: c.id,
        title: 'IdP policy',
        url: 'https://idp.example.test/policy',
        effectiveAt: new Date(now.getTime() + 10 * DAY),
        expiresAt: new Date(now.getTime() + 5 * DAY),
      }),
    );
    expect(r.fieldErrors.expiresAt).toMatch(/must be after effectiveAt/);
    const u = await refusal(() =>
      approver().evidence.add.mutate({
        workspace: WS,
        controlId: '00000000-0000-4000-8000-000000000000',
        title: 'x',
        url: 'https://example.test',
      }),
    );
    expect(u.fieldErrors.controlId).toMatch(/no control/);
    expect(await count('SELECT 1 FROM evidence')).toBe(0);
    await approver().controls.remove.mutate({ workspace: WS, id: c.id });
  });

  it('expiring flips the control to needs evidence through the scheduled job, with its event, after a reminder', async () => {
    const c = await approver().controls.create.mutate({
      workspace: WS,
      title: 'Quarterly access review',
      status: 'implemented',
      requirements: [csf('PR.AA-05')],
    });
    const e = await approver().evidence.add.mutate({
      workspace: WS,
      controlId: c.id,
      title: 'Q1 review minutes',
      url: 'https://wiki.example.test/access-review-q1',
      effectiveAt: now,
      expiresAt: new Date(now.getTime() + 40 * DAY),
    });
    expect(await approver().controls.get.query({ workspace: WS, id: c.id })).toMatchObject({
      state: 'implemented',
      needsEvidence: false,
      currentEvidence: 1,
    });
    expect(await audit('control.evidence_current', c.id)).toHaveLength(1);
    expect((await approver().controls.reminders.query({ workspace: WS })).expiring).toEqual([]);

    // 15 days before expiry: a reminder, announced once by the job.
    now = new Date(now.getTime() + 25 * DAY);
    const reminders = await world.client('admin').controls.reminders.query({ workspace: WS });
    expect(reminders.expiring).toEqual([
      expect.objectContaining({ evidenceId: e.id, controlId: c.id, daysLeft: 15 }),
    ]);
    expect(await runJob()).toEqual(['evidence-expiry']);
    expect(await audit('evidence.expiring', e.id)).toHaveLength(1);
    now = new Date(now.getTime() + EVIDENCE_EVERY_MS);
    await runJob();
    expect(await audit('evidence.expiring', e.id)).toHaveLength(1);

    // Past the expiry: the read shows it at once; the job flips the stored flag and records it.
    now = new Date(now.getTime() + 16 * DAY);
    expect(await approver().controls.get.query({ workspace: WS, id: c.id })).toMatchObject({
      state: 'needs_evidence',
    });
    expect(await runJob()).toEqual(['evidence-expiry']);
    const flipped = await audit('control.needs_evidence', c.id);
    expect(flipped).toHaveLength(1);
    expect(flipped[0]!.actor).toBe('system:evidence-expiry');
    expect(await audit('evidence.expired', e.id)).toHaveLength(1);
    const stored = await scopedQuery<{ needs_evidence: boolean }>(
      world,
      'SELECT needs_evidence FROM controls WHERE id = $1',
      [c.id],
    );
    expect(stored).toEqual([{ needs_evidence: true }]);
    const events = await scopedQuery<{ type: string }>(
      world,
      "SELECT type FROM events WHERE workspace_id = $1 AND type IN ('control.needs_evidence', 'evidence.expired') AND payload->>'id' IN ($2, $3) ORDER BY type",
      [world.workspace.id, c.id, e.id],
    );
    expect(events.map((x) => x.type)).toEqual(['control.needs_evidence', 'evidence.expired']);
    const reminded = await approver().controls.reminders.query({ workspace: WS });
    expect(reminded.needsEvidence.map((x) => x.id)).toContain(c.id);
    // Nothing more on the next run.
    now = new Date(now.getTime() + EVIDENCE_EVERY_MS);
    await runJob();
    expect(await audit('control.needs_evidence', c.id)).toHaveLength(1);
    await approver().controls.remove.mutate({ workspace: WS, id: c.id });
  });
});

describe('frameworks.coverage', () => {
  it('counts subcategories with an implemented control and current evidence, overall and per function', async () => {
    const make = async (
      title: string,
      status: 'implemented' | 'partial',
      refs: string[],
      evidence: boolean,
    ) => {
      const c = await approver().controls.create.mutate({
        workspace: WS,
        title,
        status,
        requirements: refs.map(csf),
      });
      if (evidence)
        await approver().evidence.add.mutate({
          workspace: WS,
          controlId: c.id,
          title: 'proof',
          url: 'https://example.test/proof',
        });
      return c;
    };
    await make('Encryption', 'implemented', ['PR.DS-01', 'PR.DS-02'], true); // covers 2 in PR
    await make('Encryption (again)', 'implemented', ['PR.DS-01'], true); // the same leaf counts once
    await make('Logging', 'implemented', ['PR.PS-04', 'DE.CM-01'], false); // implemented, no evidence
    await make('Policy', 'partial', ['GV.PO-01'], true); // partial: not covered
    const cov = await world
      .client('owner')
      .frameworks.coverage.query({ workspace: WS, framework: 'nist-csf-2.0' });
    expect(cov).toMatchObject({ total: 106, covered: 2, implemented: 4 });
    expect(cov.share).toBeCloseTo(2 / 106);
    const by = Object.fromEntries(cov.groups.map((g) => [g.ref, [g.total, g.covered, g.implemented]]));
    expect(by).toEqual({
      GV: [31, 0, 0],
      ID: [21, 0, 0],
      PR: [22, 2, 3],
      DE: [11, 0, 1],
      RS: [13, 0, 0],
      RC: [8, 0, 0],
    });
    expect(cov.groups.find((g) => g.ref === 'PR')!.share).toBeCloseTo(2 / 22);
  });
});

describe('row security', () => {
  it("keeps another workspace's controls, evidence and files out of reach", async () => {
    const outsider = world.client('outsider');
    const theirs = await outsider.controls.create.mutate({
      workspace: 'other',
      title: 'Theirs',
      requirements: [csf('PR.DS-01')],
    });
    const file = await outsider.evidence.add.mutate({
      workspace: 'other',
      controlId: theirs.id,
      title: 'secret',
      file: {
        name: 's.txt',
        mediaType: 'text/plain',
        contentBase64: Buffer.from('secret').toString('base64'),
      },
    });
    expect((await refusal(() => approver().controls.get.query({ workspace: WS, id: theirs.id }))).code).toBe(
      'NOT_FOUND',
    );
    expect((await refusal(() => approver().evidence.file.query({ workspace: WS, id: file.id }))).code).toBe(
      'NOT_FOUND',
    );
    const add = await refusal(() =>
      approver().evidence.add.mutate({
        workspace: WS,
        controlId: theirs.id,
        title: 'x',
        url: 'https://example.test',
      }),
    );
    expect(add.fieldErrors.controlId).toMatch(/no control/);
    // As the server's own role (no BYPASSRLS): inside acme their rows do not exist.
    const asApp = async (workspaceId: string) => {
      const client = await world.server.services.db.app.connect();
      try {
        await client.query('BEGIN');
        await client.query("SELECT set_config('vigilo.workspace_id', $1, true)", [workspaceId]);
        const counts = await Promise.all(
          [
            'controls WHERE id = $1',
            'evidence WHERE control_id = $1',
            'evidence_files f JOIN evidence e ON e.id = f.evidence_id WHERE e.control_id = $1',
          ].map(async (from) => (await client.query(`SELECT 1 FROM ${from}`, [theirs.id])).rowCount),
        );
        await client.query('COMMIT');
        return counts;
      } finally {
        client.release();
      }
    };
    expect(await asApp(world.workspace.id)).toEqual([0, 0, 0]);
    expect(await asApp(world.other.id)).toEqual([1, 1, 1]);
  });
});
