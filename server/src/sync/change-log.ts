import type { WorkspaceRole } from '@vigilo/shared/roles';
import type { WorkspaceTx } from '../db/tx.ts';
import { type ReplicatedTable, tablesFor } from './tables.ts';

/** One entry of the change log: the latest state of a row, or its tombstone. */
export type RowChange = {
  seq: number;
  table: ReplicatedTable;
  rowId: string;
  op: 'upsert' | 'delete';
  /** The row's replicated columns (snake_case, as in Postgres); null for a tombstone. */
  row: Record<string, unknown> | null;
};

export type ChangePage = {
  changes: RowChange[];
  /** Pass back as `cursor` to continue; it moves past rows this role may not receive too. */
  cursor: number;
  /** True when more changes follow this page. */
  more: boolean;
  /**
   * The tables this page was filtered to. When it differs from what a replica pulled before
   * (the caller's role changed), the replica must start again from cursor 0.
   */
  tables: ReplicatedTable[];
};

/**
 * A page of the workspace's change log after `cursor`, in seq order. Seqs are assigned under
 * the workspace head lock and commit in order (0005_sync.sql), so a cursor never skips a row
 * committed later; they may have gaps where a newer change replaced an older one.
 */
export async function pullChanges(
  tx: WorkspaceTx,
  role: WorkspaceRole,
  cursor: number,
  limit: number,
): Promise<ChangePage> {
  const tables = tablesFor(role);
  const { rows } = await tx.query<{
    seq: string;
    table_name: string;
    row_id: string;
    op: 'upsert' | 'delete';
    row: Record<string, unknown> | null;
  }>('SELECT seq, table_name, row_id, op, row FROM row_changes WHERE seq > $1 ORDER BY seq LIMIT $2', [
    cursor,
    limit + 1,
  ]);
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const allowed = new Set<string>(tables);
  return {
    changes: page
      .filter((r) => allowed.has(r.table_name))
      .map((r) => ({
        seq: Number(r.seq),
        table: r.table_name as ReplicatedTable,
        rowId: r.row_id,
        op: r.op,
        row: r.row,
      })),
    cursor: last ? Number(last.seq) : cursor,
    more,
    tables,
  };
}
