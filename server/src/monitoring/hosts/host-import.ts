import { splitCsvLine } from '@vigilo/shared/csv';
import type { WorkspaceTx } from '../../db/tx.ts';
import { hostFields, type ImportDefaults } from './host-fields.ts';
import { insertHost } from './host-records.ts';

/**
 * Reading bulk host lists: CSV (`hostname,port[,protocol][,interval_s][,tags]`, header optional,
 * tags separated by spaces or semicolons) or the JSON lines of `vigilo-agent discover --json`.
 * Parsing is pure: every row becomes raw fields or an error naming the row; importHosts then
 * checks each with the same schema as a single host.
 */
export type ImportRow = { row: number; fields: Record<string, unknown> } | { row: number; error: string };

export function parseHostList(format: 'csv' | 'discover', content: string): ImportRow[] {
  const lines = content.split(/\r?\n/);
  const rows: ImportRow[] = [];
  lines.forEach((line, index) => {
    const row = index + 1;
    if (!line.trim() || line.trimStart().startsWith('#')) return;
    if (format === 'discover') {
      try {
        const j = JSON.parse(line) as { hostname?: unknown; port?: unknown; protocol?: unknown };
        rows.push({ row, fields: { hostname: j.hostname, port: j.port, protocol: j.protocol ?? null } });
      } catch {
        rows.push({ row, error: 'not a JSON line from vigilo-agent discover --json' });
      }
      return;
    }
    const cells = splitCsvLine(line);
    if (cells === undefined) return rows.push({ row, error: 'unbalanced quotes' });
    if (row === 1 && cells[0]?.toLowerCase() === 'hostname') return; // header
    const [hostname, port, protocol, interval, tags] = cells;
    rows.push({
      row,
      fields: {
        hostname,
        port: port && /^\d+$/.test(port) ? Number(port) : port,
        ...(protocol ? { protocol } : {}),
        ...(interval ? { intervalS: /^\d+$/.test(interval) ? Number(interval) : interval } : {}),
        ...(tags ? { tags: tags.split(/[\s;]+/).filter(Boolean) } : {}),
      },
    });
  });
  return rows;
}

export type ImportReport = {
  added: number;
  exists: number;
  rejected: number;
  dryRun: boolean;
  /** Rows added that no agent will scan (no agent named, no default, not exactly one agent). */
  unassigned: number;
  rows: Array<{ row: number; status: 'added' | 'exists' | 'rejected'; host?: string; reason?: string }>;
};

/**
 * Bulk import: each row is checked with the schema of a single host (with `defaults` under it)
 * and added like one; rows already monitored are `exists`, invalid rows are `rejected` with the
 * field and why. All valid rows go in the caller's one transaction; with `dryRun`, none does and
 * the report says what would happen.
 */
export async function importHosts(
  tx: WorkspaceTx,
  input: { format: 'csv' | 'discover'; content: string; defaults: ImportDefaults; dryRun: boolean },
): Promise<ImportReport> {
  const report: ImportReport['rows'] = [];
  let unassigned = 0;
  for (const parsed of parseHostList(input.format, input.content)) {
    if ('error' in parsed) {
      report.push({ row: parsed.row, status: 'rejected', reason: parsed.error });
      continue;
    }
    const fields = hostFields.safeParse({ ...input.defaults, ...parsed.fields });
    if (!fields.success) {
      const issue = fields.error.issues[0];
      report.push({
        row: parsed.row,
        status: 'rejected',
        reason: `${issue?.path.join('.') || 'row'}: ${issue?.message}`,
      });
      continue;
    }
    const host = `${fields.data.hostname}:${fields.data.port}`;
    if (input.dryRun) {
      const exists = await tx.query('SELECT 1 FROM hosts WHERE hostname = $1 AND port = $2', [
        fields.data.hostname,
        fields.data.port,
      ]);
      report.push({ row: parsed.row, status: exists.rowCount ? 'exists' : 'added', host });
      continue;
    }
    const result = await insertHost(tx, fields.data);
    if ('exists' in result) report.push({ row: parsed.row, status: 'exists', host });
    else {
      report.push({ row: parsed.row, status: 'added', host });
      if (result.agentId === null) unassigned++;
    }
  }
  const count = (status: string) => report.filter((r) => r.status === status).length;
  return {
    added: count('added'),
    exists: count('exists'),
    rejected: count('rejected'),
    unassigned,
    dryRun: input.dryRun,
    rows: report,
  };
}
