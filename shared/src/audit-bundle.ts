import { z } from 'zod';
import type { AuditRow } from './audit-chain.ts';
import {
  BUNDLE_FILES,
  type BundleProblem,
  checkCsv,
  checkManifest,
  checkRows,
} from './audit-bundle-checks.ts';
import { auditExportHeader, auditExportLine } from './audit-export.ts';

export { BUNDLE_FILES, type BundleProblem } from './audit-bundle-checks.ts';

/**
 * The audit bundle: a period of a workspace's audit log an auditor takes away and verifies again
 * offline (`vigilo audit verify FILE`, or the desktop). One JSON document holding three parts:
 * the manifest, the rows as CSV and the same rows as JSON lines (the one export format of
 * audit-export.ts). One file, so nothing gets separated from its manifest, and no archive format
 * (and dependency) is needed to read it.
 *
 * The JSON lines are the authority: every row is re-hashed by the chain rule (audit-chain.ts) and
 * linked to the row before it, the first to the manifest's `firstPrevHash`; the CSV must be
 * exactly those rows rendered again; the manifest's counts and hashes must match the rows.
 * Pure and WebCrypto-only, so the desktop's renderer runs the same check as the CLI.
 */

export const AUDIT_BUNDLE_FORMAT = 'vigilo-audit-bundle/1';

const hex = z.string().regex(/^[0-9a-f]{64}$/);

export const auditBundleManifestSchema = z.object({
  format: z.literal(AUDIT_BUNDLE_FORMAT),
  workspace: z.object({ id: z.string(), slug: z.string() }),
  exportedAt: z.string(),
  exportedBy: z.string(),
  /** The filter the rows were chosen by (period: from/to), as given. */
  filter: z.record(z.string(), z.string()),
  /** True when only a period was given: every row from firstSeq to lastSeq is present. */
  contiguous: z.boolean(),
  rows: z.number().int().min(0),
  files: z.object({
    [BUNDLE_FILES.csv]: z.object({ rows: z.number() }),
    [BUNDLE_FILES.jsonl]: z.object({ rows: z.number() }),
  }),
  /** The chain position of the first row (its seq), and the hash it links to (null: the log's first row). */
  firstSeq: z.number().int().positive().nullable(),
  firstPrevHash: hex.nullable(),
  firstHash: hex.nullable(),
  lastSeq: z.number().int().positive().nullable(),
  lastHash: hex.nullable(),
  /** How long the workspace's chain was when the bundle was made. */
  chainHeadSeq: z.number().int().min(0),
  /** What the exporting side found when it verified these rows. */
  verification: z.object({
    ok: z.boolean(),
    checked: z.number().int().min(0),
    problem: z.string().nullable(),
  }),
});
export type AuditBundleManifest = z.infer<typeof auditBundleManifestSchema>;

export const auditBundleSchema = z.object({
  manifest: auditBundleManifestSchema,
  files: z.object({ [BUNDLE_FILES.csv]: z.string(), [BUNDLE_FILES.jsonl]: z.string() }),
});
export type AuditBundle = z.infer<typeof auditBundleSchema>;

const auditRowSchema = z.object({
  workspaceId: z.string(),
  seq: z.number().int().positive(),
  occurredAt: z.string(),
  actorType: z.string(),
  actorId: z.string(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string(),
  summary: z.string(),
  requestId: z.string().nullable(),
  prevHash: hex.nullable(),
  hash: hex,
}) satisfies z.ZodType<AuditRow>;

export type BundleVerification = {
  ok: boolean;
  /** Rows whose hash and link verified before the first problem. */
  checked: number;
  problem: BundleProblem | undefined;
  manifest: AuditBundleManifest | undefined;
};

/**
 * Makes a bundle from rows in seq order (what the server's export read). The rows are verified
 * here too, so the manifest says what the exporting side found.
 */
export async function buildAuditBundle(
  rows: AuditRow[],
  meta: Pick<
    AuditBundleManifest,
    'workspace' | 'exportedAt' | 'exportedBy' | 'filter' | 'contiguous' | 'chainHeadSeq'
  >,
): Promise<AuditBundle> {
  const first = rows[0];
  const last = rows.at(-1);
  const csv = auditExportHeader('csv') + rows.map((r) => auditExportLine(r, 'csv')).join('');
  const jsonl = rows.map((r) => auditExportLine(r, 'jsonl')).join('');
  const manifest: AuditBundleManifest = {
    format: AUDIT_BUNDLE_FORMAT,
    ...meta,
    rows: rows.length,
    files: { [BUNDLE_FILES.csv]: { rows: rows.length }, [BUNDLE_FILES.jsonl]: { rows: rows.length } },
    firstSeq: first?.seq ?? null,
    firstPrevHash: first?.prevHash ?? null,
    firstHash: first?.hash ?? null,
    lastSeq: last?.seq ?? null,
    lastHash: last?.hash ?? null,
    verification: { ok: true, checked: 0, problem: null },
  };
  const found = await checkRows(rows, manifest);
  manifest.verification = {
    ok: !found.problem,
    checked: found.checked,
    problem: found.problem?.detail ?? null,
  };
  return { manifest, files: { [BUNDLE_FILES.csv]: csv, [BUNDLE_FILES.jsonl]: jsonl } };
}

/**
 * Verifies a bundle as read from a file (its text as a string, or the parsed document): the shape, every row
 * of the JSON lines against the chain, the manifest against the rows, the CSV against the rows.
 * Names the first problem.
 */
export async function verifyAuditBundle(input: unknown): Promise<BundleVerification> {
  let doc: unknown = input;
  if (typeof input === 'string') {
    try {
      doc = JSON.parse(input);
    } catch (err) {
      return fail(0, undefined, {
        file: 'bundle',
        seq: null,
        line: null,
        reason: 'unreadable',
        detail: `not a JSON document: ${(err as Error).message}`,
      });
    }
  }
  const parsed = auditBundleSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || 'bundle';
    return fail(0, undefined, {
      file: 'bundle',
      seq: null,
      line: null,
      reason: 'unreadable',
      detail: `${where}: ${issue?.message}`,
    });
  }
  const { manifest, files } = parsed.data;
  const rows: AuditRow[] = [];
  const lines = files[BUNDLE_FILES.jsonl].split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const [i, line] of lines.entries()) {
    const row = parseRow(line);
    if (!row) {
      const seq = manifest.contiguous && manifest.firstSeq !== null ? manifest.firstSeq + i : null;
      return fail(rows.length, manifest, {
        file: BUNDLE_FILES.jsonl,
        seq,
        line: i + 1,
        reason: 'unreadable',
        detail: `line ${i + 1}${seq ? ` (row ${seq})` : ''} is not an audit row`,
      });
    }
    rows.push(row);
  }
  const chain = await checkRows(rows, manifest);
  if (chain.problem) return fail(chain.checked, manifest, chain.problem);
  const counted = checkManifest(rows, manifest) ?? checkCsv(rows, files[BUNDLE_FILES.csv]);
  return counted
    ? fail(chain.checked, manifest, counted)
    : { ok: true, checked: chain.checked, problem: undefined, manifest };
}

function fail(
  checked: number,
  manifest: AuditBundleManifest | undefined,
  problem: BundleProblem,
): BundleVerification {
  return { ok: false, checked, problem, manifest };
}

function parseRow(line: string): AuditRow | undefined {
  try {
    const row = auditRowSchema.safeParse(JSON.parse(line));
    return row.success ? row.data : undefined;
  } catch {
    return undefined;
  }
}
