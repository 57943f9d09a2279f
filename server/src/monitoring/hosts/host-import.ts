import { splitCsvLine } from '@vigilo/shared/csv';

/**
 * Reading bulk host lists: CSV (`hostname,port[,protocol][,interval_s][,tags]`, header optional,
 * tags separated by spaces or semicolons) or the JSON lines of `vigilo-agent discover --json`.
 * Pure parsing: every row becomes raw fields or an error naming the row; validation happens with
 * the same schema as a single host.
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
