import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { scopedQuery } from '../incidents/scoped-db.ts';

/**
 * Frameworks: NIST CSF 2.0 shipped to every workspace with the catalogue's real shape (6
 * functions, 22 categories, 106 subcategories, mapped to SOC 2 and ISO 27001:2022), an admin's
 * import in the documented format, every bad line of a bad one reported with nothing stored, and
 * another workspace's catalogue out of reach.
 */
const WS = 'acme';
let world: World;

beforeAll(async () => {
  world = await createWorld();
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

const good = {
  format: 'vigilo.framework/1',
  key: 'acme-baseline',
  name: 'Acme security baseline',
  version: '2026.1',
  requirements: [
    { id: 'AC', title: 'Access' },
    {
      id: 'AC-1',
      parent: 'AC',
      title: 'Every admin account uses a hardware key',
      mappings: { iso27001: ['A.8.5'] },
    },
    {
      id: 'AC-2',
      parent: 'AC',
      title: 'Access is reviewed quarterly',
      mappings: { soc2: ['CC6.2', 'CC6.3'] },
    },
    { id: 'OP', title: 'Operations' },
    { id: 'OP-1', parent: 'OP', title: 'Certificates are renewed before expiry' },
  ],
};

describe('the shipped NIST CSF 2.0', () => {
  it('is in a fresh workspace with 6 functions, 22 categories and 106 subcategories', async () => {
    const list = await world.client('auditor').frameworks.list.query({ workspace: WS });
    expect(list).toEqual([
      expect.objectContaining({
        key: 'nist-csf-2.0',
        version: '2.0',
        builtin: true,
        requirements: 134,
        leaves: 106,
      }),
    ]);
    const csf = await world
      .client('approver')
      .frameworks.get.query({ workspace: WS, framework: 'nist-csf-2.0' });
    const functions = csf.items.filter((r) => r.parentRef === null);
    const categories = csf.items.filter((r) => r.parentRef !== null && !r.leaf);
    const subcategories = csf.items.filter((r) => r.leaf);
    expect(functions.map((f) => `${f.ref} ${f.title}`)).toEqual([
      'GV Govern',
      'ID Identify',
      'PR Protect',
      'DE Detect',
      'RS Respond',
      'RC Recover',
    ]);
    expect(categories).toHaveLength(22);
    expect(subcategories).toHaveLength(106);
    const perFunction = Object.fromEntries(
      functions.map((f) => [f.ref, subcategories.filter((s) => s.topRef === f.ref).length]),
    );
    expect(perFunction).toEqual({ GV: 31, ID: 21, PR: 22, DE: 11, RS: 13, RC: 8 });
    expect(csf.items.find((r) => r.ref === 'PR.DS-01')).toMatchObject({
      parentRef: 'PR.DS',
      topRef: 'PR',
      title: 'The confidentiality, integrity and availability of data-at-rest are protected',
      mappings: { soc2: ['CC6.1', 'C1.1'], iso27001: ['A.8.11', 'A.8.12', 'A.8.24'] },
    });
    // Withdrawn identifiers are not there (ID.AM-06 was folded elsewhere in 2.0).
    expect(csf.items.some((r) => r.ref === 'ID.AM-06')).toBe(false);
    // The other workspace has its own copy; shipping it is part of creating the workspace, not an import.
    const theirs = await world.client('outsider').frameworks.list.query({ workspace: 'other' });
    expect(theirs.map((f) => f.key)).toEqual(['nist-csf-2.0']);
    expect(theirs[0]!.id).not.toBe(list[0]!.id);
    const audit = await scopedQuery<{ action: string }>(
      world,
      "SELECT action FROM audit_events WHERE action = 'framework.imported' AND workspace_id = $1",
      [world.workspace.id],
    );
    expect(audit).toHaveLength(0);
  });

  it('is not readable by a member or a viewer (compliance is for approvers, admins, owners and auditors)', async () => {
    for (const who of ['member', 'viewer'])
      expect((await refusal(() => world.client(who).frameworks.list.query({ workspace: WS }))).code).toBe(
        'FORBIDDEN',
      );
    // Someone outside the workspace is told it does not exist, as everywhere.
    expect(
      (await refusal(() => world.client('outsider').frameworks.list.query({ workspace: WS }))).code,
    ).toBe('NOT_FOUND');
  });
});

describe('frameworks.import', () => {
  it('stores a good catalogue with its tree, mappings and coverage groups', async () => {
    const imported = await world
      .client('admin')
      .frameworks.import.mutate({ workspace: WS, document: JSON.stringify(good, null, 2) });
    expect(imported).toMatchObject({ key: 'acme-baseline', requirements: 5 });
    const recorded = await scopedQuery<{ target_id: string }>(
      world,
      "SELECT target_id FROM audit_events WHERE action = 'framework.imported' AND workspace_id = $1",
      [world.workspace.id],
    );
    expect(recorded).toEqual([{ target_id: imported.id }]);
    const got = await world
      .client('auditor')
      .frameworks.get.query({ workspace: WS, framework: 'acme-baseline' });
    expect(got.items.map((r) => [r.ref, r.leaf, r.topRef])).toEqual([
      ['AC', false, 'AC'],
      ['AC-1', true, 'AC'],
      ['AC-2', true, 'AC'],
      ['OP', false, 'OP'],
      ['OP-1', true, 'OP'],
    ]);
    expect(got.items[2]!.mappings).toEqual({ soc2: ['CC6.2', 'CC6.3'] });
    const coverage = await world
      .client('auditor')
      .frameworks.coverage.query({ workspace: WS, framework: 'acme-baseline' });
    expect(coverage).toMatchObject({
      total: 3,
      covered: 0,
      share: 0,
      groups: [
        { ref: 'AC', total: 2 },
        { ref: 'OP', total: 1 },
      ],
    });
    // The same key again is refused naming the document.
    const again = await refusal(() =>
      world.client('admin').frameworks.import.mutate({ workspace: WS, document: JSON.stringify(good) }),
    );
    expect(again.code).toBe('BAD_REQUEST');
    expect(again.fieldErrors.document).toMatch(/acme-baseline.*already/);
  });

  it('refuses a catalogue with bad lines, naming each line and path, and stores nothing', async () => {
    const bad = {
      ...good,
      key: 'bad-one',
      requirements: [
        { id: 'X', title: 'Group' },
        { id: 'X-1', parent: 'X', title: 'Fine' },
        { id: 'X-2', parent: 'NOPE', title: 'Unknown parent' },
        { id: 'X-3', parent: 'X', title: 'Unknown SOC 2 criterion', mappings: { soc2: ['CC6.1', 'CC99.1'] } },
        { id: 'X-4', parent: 'X', title: 'Unknown ISO control', mappings: { iso27001: ['A.9.1'] } },
        { id: 'X-5', parent: 'X', title: '' },
        { id: 'X-6', parent: 'X', title: 'Unknown scheme', mappings: { pci: ['1.1'] } },
      ],
    };
    const before = await scopedQuery(world, 'SELECT 1 FROM framework_requirements');
    const r = await refusal(() =>
      world
        .client('admin')
        .frameworks.import.mutate({ workspace: WS, document: JSON.stringify(bad, null, 2) }),
    );
    expect(r.code).toBe('BAD_REQUEST');
    expect(r.message).toContain('4 problems, nothing imported');
    // Pretty-printed with two spaces: requirement i's object opens on line 8 + 5·i (more with mappings).
    expect(r.message).toMatch(
      /line \d+, requirements\[3\] \(X-3\)\.mappings\.soc2\.1: "CC99\.1" is not a SOC 2 Trust Services Criteria identifier/,
    );
    expect(r.message).toMatch(
      /requirements\[4\] \(X-4\)\.mappings\.iso27001\.0: "A\.9\.1" is not a ISO\/IEC 27001:2022 Annex A identifier/,
    );
    expect(r.message).toMatch(/requirements\[5\] \(X-5\)\.title: title must not be empty/);
    expect(r.message).toMatch(/requirements\[6\] \(X-6\)\.mappings: /);
    expect(r.fieldErrors.document).toBeDefined();

    // The parent check runs once the schema passes: unknown parent, a parent listed later, duplicates.
    const tree = {
      ...good,
      key: 'bad-tree',
      requirements: [
        { id: 'A', title: 'A' },
        { id: 'A-1', parent: 'NOPE', title: 'Unknown parent' },
        { id: 'A-2', parent: 'B', title: 'Parent listed later' },
        { id: 'B', title: 'B' },
        { id: 'A', title: 'Twice' },
      ],
    };
    const t = await refusal(() =>
      world
        .client('admin')
        .frameworks.import.mutate({ workspace: WS, document: JSON.stringify(tree, null, 1) }),
    );
    expect(t.message).toContain('3 problems');
    expect(t.message).toContain(
      'requirements[1] (A-1).parent: "NOPE" is not a requirement listed before this one',
    );
    expect(t.message).toContain(
      'requirements[2] (A-2).parent: "B" is not a requirement listed before this one',
    );
    expect(t.message).toContain('requirements[4] (A).id: "A" is listed twice (also requirement 0)');
    // One requirement per line: the line numbers are exact.
    const oneLine = `{"format":"vigilo.framework/1","key":"lines","name":"L","version":"1","requirements":[\n{"id":"A","title":"A"},\n{"id":"A-1","parent":"Z","title":"t"}\n]}`;
    const l = await refusal(() =>
      world.client('admin').frameworks.import.mutate({ workspace: WS, document: oneLine }),
    );
    expect(l.message).toContain('line 3, requirements[1] (A-1).parent');
    // Not JSON at all: the line of the syntax error.
    const syntax = await refusal(() =>
      world.client('admin').frameworks.import.mutate({
        workspace: WS,
        document: '{\n "format": "vigilo.framework/1",\n oops\n}',
      }),
    );
    expect(syntax.message).toMatch(/line 3: not valid JSON/);

    expect(await scopedQuery(world, 'SELECT 1 FROM framework_requirements')).toHaveLength(before.length);
    expect(
      await scopedQuery(world, "SELECT 1 FROM frameworks WHERE key IN ('bad-one', 'bad-tree', 'lines')"),
    ).toHaveLength(0);
  });

  it('is for admins and owners only', async () => {
    const doc = JSON.stringify({ ...good, key: 'by-approver' });
    expect(
      (
        await refusal(() =>
          world.client('approver').frameworks.import.mutate({ workspace: WS, document: doc }),
        )
      ).code,
    ).toBe('FORBIDDEN');
    expect(
      (
        await refusal(() =>
          world.client('auditor').frameworks.import.mutate({ workspace: WS, document: doc }),
        )
      ).code,
    ).toBe('FORBIDDEN');
  });

  it("keeps another workspace's frameworks out of reach, in the API and under row security", async () => {
    await world
      .client('outsider')
      .frameworks.import.mutate({ workspace: 'other', document: JSON.stringify({ ...good, key: 'theirs' }) });
    expect(
      (
        await refusal(() =>
          world.client('auditor').frameworks.get.query({ workspace: WS, framework: 'theirs' }),
        )
      ).code,
    ).toBe('NOT_FOUND');
    const asApp = async (workspaceId: string) => {
      const client = await world.server.services.db.app.connect();
      try {
        await client.query('BEGIN');
        await client.query("SELECT set_config('vigilo.workspace_id', $1, true)", [workspaceId]);
        const { rowCount } = await client.query("SELECT 1 FROM frameworks WHERE key = 'theirs'");
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
