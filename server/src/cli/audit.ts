import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { verifyAuditBundle } from '@vigilo/shared/audit-bundle';
import type pg from 'pg';
import { exportAuditBundle } from '../compliance/audit-bundle/export.ts';
import { enterWorkspace, type TxContext, withOwnerTx } from '../db/tx.ts';
import { ActionRefused } from '../domain-errors.ts';
import { VigiloError } from '../errors.ts';
import { auditFilterSchema } from '../platform/audit-log.ts';

export const AUDIT_USAGE = `Usage:
  vigilo audit verify BUNDLE
    verifies an audit bundle offline (no database): re-hashes every row from the manifest's
    first previous hash, checks the CSV and the manifest against the rows; names the first row
    that fails (exit 1) or prints the verified range (exit 0)
  vigilo audit bundle --workspace SLUG [--from ISO-DATE] [--to ISO-DATE] [--action ACTION] --out FILE
    writes the audit bundle of a period (and action, e.g. change.*) to FILE
`;

const CLI: TxContext = { actor: { type: 'system', id: 'cli' }, requestId: undefined };

/** `vigilo audit verify`: offline, by the same shared check the desktop runs. */
export async function runAuditVerify(argv: string[], print: (line: string) => void): Promise<number> {
  const [file, ...extra] = argv;
  if (!file || extra.length > 0) {
    print(AUDIT_USAGE);
    return 2;
  }
  const text = await readFile(file, 'utf8').catch((err: unknown) => {
    throw new VigiloError(
      'CONFIG_INVALID',
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  });
  const result = await verifyAuditBundle(text);
  const m = result.manifest;
  if (result.ok && m) {
    print(
      m.rows === 0
        ? `OK: the bundle of ${m.workspace.slug} holds no rows`
        : `OK: ${m.rows} row(s) of ${m.workspace.slug}, seq ${m.firstSeq} to ${m.lastSeq}: every row verifies (last hash ${m.lastHash})`,
    );
    return 0;
  }
  const p = result.problem;
  const where = [p?.seq ? `row ${p.seq}` : undefined, p?.file, p?.line ? `line ${p.line}` : undefined]
    .filter(Boolean)
    .join(', ');
  print(`FAILED at ${where}: ${p?.detail} (${p?.reason}); ${result.checked} row(s) verified before it`);
  return 1;
}

/** `vigilo audit bundle`: the same bundle as audit.bundle, read on the admin connection. */
export async function runAuditBundle(
  owner: pg.Pool,
  argv: string[],
  print: (line: string) => void,
  now: () => Date = () => new Date(),
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      workspace: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      action: { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
  });
  if (!values.workspace || !values.out)
    throw new VigiloError('CONFIG_INVALID', '--workspace and --out are required');
  const filter = auditFilterSchema.safeParse({ from: values.from, to: values.to, action: values.action });
  if (!filter.success) {
    const issue = filter.error.issues[0];
    throw new VigiloError('CONFIG_INVALID', `--${issue?.path.join('.')}: ${issue?.message}`);
  }
  const slug = values.workspace;
  const bundle = await withOwnerTx(owner, async (client) => {
    const ws = await client.query<{ id: string }>('SELECT id FROM workspaces WHERE slug = $1', [slug]);
    const id = ws.rows[0]?.id;
    if (!id) throw new VigiloError('CONFIG_INVALID', `no workspace "${slug}" (see: vigilo workspace list)`);
    const tx = await enterWorkspace(client, id, CLI);
    return exportAuditBundle(tx, {
      filter: filter.data,
      workspaceSlug: slug,
      exportedBy: 'system:cli',
      now: now(),
    }).catch((err: unknown) => {
      if (err instanceof ActionRefused) throw new VigiloError('CONFIG_INVALID', err.message);
      throw err;
    });
  });
  await writeFile(values.out, JSON.stringify(bundle, null, 1));
  const m = bundle.manifest;
  print(
    `Wrote ${m.rows} row(s) of ${slug} to ${values.out} (verification: ${m.verification.ok ? 'ok' : m.verification.problem})`,
  );
  return m.verification.ok ? 0 : 1;
}
