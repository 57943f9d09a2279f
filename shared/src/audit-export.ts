import type { AuditRow } from './audit-chain.ts';
import { csvRow } from './csv.ts';

/**
 * The audit log as a file an auditor takes away: one column list and one row format for the
 * server's export and the desktop's (from its replica), so a file from either opens the same way
 * in a spreadsheet. The chain columns (prevHash, hash) are in it, so the file can be checked
 * against the chain it came from.
 */

export type AuditExportFormat = 'csv' | 'jsonl';

/** The CSV columns, in order: every field of a row but the workspace (the file names it). */
export const AUDIT_CSV_COLUMNS = [
  'seq',
  'occurredAt',
  'actorType',
  'actorId',
  'action',
  'targetType',
  'targetId',
  'summary',
  'requestId',
  'prevHash',
  'hash',
] as const satisfies ReadonlyArray<keyof AuditRow>;

/** JSON lines carry the workspace too, first; a key list also fixes the order whatever made the row. */
const JSON_KEYS: string[] = ['workspaceId', ...AUDIT_CSV_COLUMNS];

/** What a file starts with: the CSV header line, nothing for JSON lines. */
export function auditExportHeader(format: AuditExportFormat): string {
  return format === 'csv' ? csvRow(AUDIT_CSV_COLUMNS) : '';
}

/**
 * One row, newline-terminated: CSV cells through the shared escaping (quotes, and the guard
 * against spreadsheet formulas), or the whole row as one JSON line, its keys always in one order.
 */
export function auditExportLine(row: AuditRow, format: AuditExportFormat): string {
  return format === 'csv'
    ? csvRow(AUDIT_CSV_COLUMNS.map((c) => row[c]))
    : `${JSON.stringify(row, JSON_KEYS)}\n`;
}

/** The MIME type of an export. */
export function auditExportMime(format: AuditExportFormat): string {
  return format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson';
}
