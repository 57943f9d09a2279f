import { z } from 'zod';
import { type AuditRow, type ChainBreak, findChainBreak } from './audit-chain.ts';
import { auditExportHeader, auditExportLine } from './audit-export.ts';

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
export const BUNDLE_FILES = { csv: 'audit.csv', jsonl: 'audit.jsonl' } as const;

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

/** The first thing that fails, named by file, row (seq) and line. */
export type BundleProblem = {
  file: 'bundle' | 'manifest' | typeof BUNDLE_FILES.csv | typeof BUNDLE_FILES.jsonl;
  /** The audit row that fails, when one does. */
  seq: number | null;
  /** 1-based line in the file, when the problem is in one. */
  line: number | null;
  reason: ChainBreak['reason'] | 'unreadable' | 'out_of_order' | 'manifest_mismatch' | 'csv_mismatch';
  detail: string;
};

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

/**
 * Each row re-hashed and linked: the first to the manifest's start, each next one to the row
 * before when it is the next seq. A filtered bundle skips rows, so a row after a gap can only be
 * checked against its own content (its hash covers its link, so an edit still shows).
 */
async function checkRows(
  rows: AuditRow[],
  manifest: Pick<AuditBundleManifest, 'firstSeq' | 'firstPrevHash' | 'contiguous' | 'workspace'>,
): Promise<{ checked: number; problem: BundleProblem | undefined }> {
  let prev: AuditRow | undefined;
  for (const [i, row] of rows.entries()) {
    const line = i + 1;
    if (row.workspaceId !== manifest.workspace.id)
      return {
        checked: i,
        problem: {
          file: BUNDLE_FILES.jsonl,
          seq: row.seq,
          line,
          reason: 'unreadable',
          detail: `row ${row.seq} belongs to another workspace`,
        },
      };
    if (prev && row.seq <= prev.seq)
      return {
        checked: i,
        problem: {
          file: BUNDLE_FILES.jsonl,
          seq: row.seq,
          line,
          reason: 'out_of_order',
          detail: `row ${row.seq} comes after row ${prev.seq}`,
        },
      };
    const start = !prev
      ? { expectedSeq: manifest.firstSeq ?? row.seq, prevHash: manifest.firstPrevHash }
      : manifest.contiguous || row.seq === prev.seq + 1
        ? { expectedSeq: prev.seq + 1, prevHash: prev.hash }
        : { expectedSeq: row.seq, prevHash: row.prevHash };
    const { broken } = await findChainBreak([row], start);
    if (broken)
      return {
        checked: i,
        problem: {
          file: BUNDLE_FILES.jsonl,
          seq: broken.seq,
          line,
          reason: broken.reason,
          detail: broken.detail,
        },
      };
    prev = row;
  }
  return { checked: rows.length, problem: undefined };
}

function checkManifest(rows: AuditRow[], m: AuditBundleManifest): BundleProblem | undefined {
  const actual: Record<string, unknown> = {
    rows: rows.length,
    [`files.${BUNDLE_FILES.jsonl}.rows`]: rows.length,
    [`files.${BUNDLE_FILES.csv}.rows`]: rows.length,
    firstHash: rows[0]?.hash ?? null,
    lastSeq: rows.at(-1)?.seq ?? null,
    lastHash: rows.at(-1)?.hash ?? null,
  };
  const stated: Record<string, unknown> = {
    rows: m.rows,
    [`files.${BUNDLE_FILES.jsonl}.rows`]: m.files[BUNDLE_FILES.jsonl].rows,
    [`files.${BUNDLE_FILES.csv}.rows`]: m.files[BUNDLE_FILES.csv].rows,
    firstHash: m.firstHash,
    lastSeq: m.lastSeq,
    lastHash: m.lastHash,
  };
  for (const key of Object.keys(actual)) {
    if (actual[key] !== stated[key])
      return {
        file: 'manifest',
        seq: null,
        line: null,
        reason: 'manifest_mismatch',
        detail: `manifest ${key} says ${String(stated[key])}, the rows say ${String(actual[key])}`,
      };
  }
  return undefined;
}

/** The CSV must be the verified rows rendered again, byte for byte; names the first row that differs. */
function checkCsv(rows: AuditRow[], csv: string): BundleProblem | undefined {
  const header = auditExportHeader('csv');
  if (!csv.startsWith(header))
    return {
      file: BUNDLE_FILES.csv,
      seq: null,
      line: 1,
      reason: 'csv_mismatch',
      detail: 'the CSV header is not the audit export header',
    };
  let offset = header.length;
  for (const [i, row] of rows.entries()) {
    const expected = auditExportLine(row, 'csv');
    if (csv.slice(offset, offset + expected.length) !== expected)
      return {
        file: BUNDLE_FILES.csv,
        seq: row.seq,
        line: i + 2,
        reason: 'csv_mismatch',
        detail: `CSV row ${row.seq} (line ${i + 2}) differs from the verified row`,
      };
    offset += expected.length;
  }
  if (offset !== csv.length)
    return {
      file: BUNDLE_FILES.csv,
      seq: null,
      line: rows.length + 2,
      reason: 'csv_mismatch',
      detail: 'the CSV has more lines than the bundle has rows',
    };
  return undefined;
}
