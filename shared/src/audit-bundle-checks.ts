import { type AuditRow, type ChainBreak, findChainBreak } from './audit-chain.ts';
import { auditExportHeader, auditExportLine } from './audit-export.ts';
import type { AuditBundleManifest } from './audit-bundle.ts';

/**
 * The checks of an audit bundle's parts (shared/src/audit-bundle.ts has the format): the rows
 * against the chain rule, the manifest against the rows, the CSV against the rows. Pure and
 * WebCrypto-only, for the server, the CLI and the desktop alike.
 */

/** The files of a bundle, by format. */
export const BUNDLE_FILES = { csv: 'audit.csv', jsonl: 'audit.jsonl' } as const;

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

/**
 * Each row re-hashed and linked: the first to the manifest's start, each next one to the row
 * before when it is the next seq. A filtered bundle skips rows, so a row after a gap can only be
 * checked against its own content (its hash covers its link, so an edit still shows).
 */
export async function checkRows(
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

export function checkManifest(rows: AuditRow[], m: AuditBundleManifest): BundleProblem | undefined {
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
export function checkCsv(rows: AuditRow[], csv: string): BundleProblem | undefined {
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
