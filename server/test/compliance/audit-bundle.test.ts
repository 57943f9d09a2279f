import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditBundle, verifyAuditBundle } from '@vigilo/shared/audit-bundle';
import { outcome } from '@vigilo/tests/support/client';
import { createWorld, type World } from '@vigilo/tests/support/world';

/**
 * The audit bundle: exported for a period and a filter, verified offline by the shared function
 * and by `vigilo audit verify` as a real process, then one byte changed and the verification
 * failing at the row that holds it.
 */
const run = promisify(execFile);
let world: World;
let dir: string;

/** `npm run vigilo -- …` as a process: exit code and output. */
async function vigilo(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'server/src/cli/main.ts', ...args], {
      env: { ...process.env, VIGILO_LOG_LEVEL: 'silent', ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: `${e.stdout}${e.stderr}` };
  }
}

/** Changes one character inside row `seq`'s JSON line (its occurredAt's last millisecond digit). */
function tamperJsonl(file: string, seq: number): string {
  const at = file.indexOf(`\\"seq\\":${seq},\\"occurredAt\\":\\"`);
  expect(at).toBeGreaterThan(0);
  const digit = file.indexOf('Z\\"', at) - 1;
  const next = file[digit] === '9' ? '8' : String(Number(file[digit]) + 1);
  return file.slice(0, digit) + next + file.slice(digit + 1);
}

beforeAll(async () => {
  world = await createWorld();
  dir = await mkdtemp(path.join(tmpdir(), 'vigilo-bundle-'));
  const admin = world.client('admin');
  for (const name of ['one', 'two', 'three'])
    await admin.hosts.add.mutate({ workspace: 'acme', hostname: `${name}.example.test`, port: 443 });
});
afterAll(async () => {
  await world?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('audit.bundle', () => {
  it('exports the whole log with a manifest that verifies, for the auditor', async () => {
    const bundle = await world.client('auditor').audit.bundle.query({ workspace: 'acme' });
    const { manifest } = bundle;
    const chain = await world.client('auditor').audit.verify.query({ workspace: 'acme' });
    expect(manifest).toMatchObject({
      format: 'vigilo-audit-bundle/1',
      workspace: { id: world.workspace.id, slug: 'acme' },
      contiguous: true,
      rows: chain.checked,
      firstSeq: 1,
      firstPrevHash: null,
      lastSeq: chain.checked,
      chainHeadSeq: chain.checked,
      verification: { ok: true, checked: chain.checked, problem: null },
    });
    const jsonl = bundle.files['audit.jsonl'].trimEnd().split('\n');
    const csv = bundle.files['audit.csv'].trimEnd().split('\n');
    expect(jsonl).toHaveLength(manifest.rows);
    expect(csv).toHaveLength(manifest.rows + 1);
    expect(csv[0]).toBe(
      'seq,occurredAt,actorType,actorId,action,targetType,targetId,summary,requestId,prevHash,hash',
    );
    expect(JSON.parse(jsonl.at(-1)!)).toMatchObject({ seq: manifest.lastSeq, hash: manifest.lastHash });
    expect(await verifyAuditBundle(JSON.stringify(bundle))).toMatchObject({
      ok: true,
      checked: manifest.rows,
    });
  });

  it('exports a period starting mid-chain, linked to the row before it, and a filter that skips rows', async () => {
    const auditor = world.client('auditor');
    const all = await auditor.audit.bundle.query({ workspace: 'acme' });
    const rows = all.files['audit.jsonl']
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number; occurredAt: string; hash: string });
    const from = rows.find((r) => r.occurredAt > rows[0]!.occurredAt)!;
    const period = await auditor.audit.bundle.query({
      workspace: 'acme',
      filter: { from: new Date(from.occurredAt) },
    });
    expect(period.manifest).toMatchObject({
      contiguous: true,
      firstSeq: from.seq,
      firstPrevHash: rows[from.seq - 2]!.hash,
      lastSeq: rows.at(-1)!.seq,
    });
    expect(await verifyAuditBundle(period)).toMatchObject({ ok: true });

    const hosts = await auditor.audit.bundle.query({ workspace: 'acme', filter: { action: 'host.*' } });
    expect(hosts.manifest).toMatchObject({ contiguous: false, rows: 3, filter: { action: 'host.*' } });
    expect(await verifyAuditBundle(hosts)).toMatchObject({ ok: true, checked: 3 });
  });

  it('refuses a bad period naming the field, and callers without the audit permission', async () => {
    await expect(
      world.client('auditor').audit.bundle.query({
        workspace: 'acme',
        filter: { from: new Date('2030-01-02'), to: new Date('2030-01-01') },
      }),
    ).rejects.toThrow(/from must not be after to/);
    expect(await outcome(() => world.client('member').audit.bundle.query({ workspace: 'acme' }))).toBe(
      'FORBIDDEN',
    );
  });
});

describe('vigilo audit verify', () => {
  it('passes a bundle as written, and names the row when one byte of it is changed', async () => {
    const bundle: AuditBundle = await world.client('auditor').audit.bundle.query({ workspace: 'acme' });
    const good = path.join(dir, 'good.json');
    await writeFile(good, JSON.stringify(bundle, null, 1));
    const ok = await vigilo(['audit', 'verify', good]);
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.stdout).toMatch(
      new RegExp(`OK: ${bundle.manifest.rows} row\\(s\\) of acme, seq 1 to ${bundle.manifest.lastSeq}`),
    );

    const text = await readFile(good, 'utf8');
    const bad = path.join(dir, 'bad.json');
    const tampered = tamperJsonl(text, 4);
    expect(tampered.length).toBe(text.length);
    await writeFile(bad, tampered);
    expect(await verifyAuditBundle(tampered)).toMatchObject({
      ok: false,
      checked: 3,
      problem: { file: 'audit.jsonl', seq: 4, line: 4, reason: 'hash_mismatch' },
    });
    const failed = await vigilo(['audit', 'verify', bad]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(
      /FAILED at row 4, audit\.jsonl, line 4: row 4 was changed after it was written/,
    );

    // The CSV is checked against the verified rows: a byte changed there names its row too.
    const csvStart = text.indexOf('"audit.csv"');
    const row6 = text.indexOf('\\n6,', csvStart) + 4;
    const csvTampered = `${text.slice(0, row6)}${text[row6] === '1' ? '2' : '1'}${text.slice(row6 + 1)}`;
    expect(await verifyAuditBundle(csvTampered)).toMatchObject({
      ok: false,
      problem: { file: 'audit.csv', seq: 6, reason: 'csv_mismatch' },
    });

    // A manifest that claims another end is caught even when every row verifies.
    const lying = { ...bundle, manifest: { ...bundle.manifest, rows: bundle.manifest.rows + 1 } };
    expect(await verifyAuditBundle(lying)).toMatchObject({
      ok: false,
      problem: { file: 'manifest', reason: 'manifest_mismatch' },
    });
    // A row removed from the middle of a contiguous bundle: the next row names the gap.
    const lines = bundle.files['audit.jsonl'].split('\n');
    const cut = {
      ...bundle,
      files: { ...bundle.files, 'audit.jsonl': [...lines.slice(0, 4), ...lines.slice(5)].join('\n') },
    };
    expect(await verifyAuditBundle(cut)).toMatchObject({
      ok: false,
      problem: { seq: 5, reason: 'missing_rows' },
    });
    expect(await vigilo(['audit', 'verify', path.join(dir, 'missing.json')])).toMatchObject({ code: 2 });
  });

  it('verifies what `vigilo audit bundle` writes', async () => {
    const out = path.join(dir, 'cli.json');
    const wrote = await vigilo(
      ['audit', 'bundle', '--workspace', 'acme', '--action', 'host.*', '--out', out],
      {
        DATABASE_URL: world.server.database.url,
      },
    );
    expect(wrote).toMatchObject({ code: 0 });
    expect(wrote.stdout).toMatch(/Wrote 3 row\(s\) of acme/);
    const verified = await vigilo(['audit', 'verify', out]);
    expect(verified).toMatchObject({ code: 0 });
    // Only acme's rows, though the CLI reads on the owner connection.
    const written = JSON.parse(await readFile(out, 'utf8')) as AuditBundle;
    expect(written.manifest.workspace.id).toBe(world.workspace.id);
  });
});
