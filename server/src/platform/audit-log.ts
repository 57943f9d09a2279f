import { type AuditRow, findChainBreak } from '@vigilo/shared/audit-chain';
import { instant, text } from '@vigilo/shared/safe-input';
import { z } from 'zod';
import type { WorkspaceTx } from '../db/tx.ts';

/**
 * Filters shared by audit.list and the exports. Every field is optional; they combine with AND.
 * Texts and dates use the database-safe primitives: the REST export has no tRPC layer refusing
 * NUL characters before its query reaches Postgres.
 */
export const auditFilterSchema = z
  .object({
    actorId: text('actorId').min(1).max(200).optional(),
    action: z
      .string()
      .regex(/^[a-z_]+(\.[a-z_]+)*(\.\*)?$/, 'action must look like member.added or member.*')
      .optional(),
    targetType: text('targetType').min(1).max(100).optional(),
    targetId: text('targetId').min(1).max(200).optional(),
    from: instant('from').optional(),
    to: instant('to').optional(),
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, {
    message: 'from must not be after to',
    path: ['from'],
  });
export type AuditFilter = z.infer<typeof auditFilterSchema>;

type DbRow = {
  workspace_id: string;
  seq: number;
  occurred_at: Date;
  actor_type: string;
  actor_id: string;
  action: string;
  target_type: string;
  target_id: string;
  summary: string;
  request_id: string | null;
  prev_hash: Buffer | null;
  hash: Buffer;
};

const COLUMNS =
  'workspace_id, seq, occurred_at, actor_type, actor_id, action, target_type, target_id, summary, request_id, prev_hash, hash';

export function toAuditRow(r: DbRow): AuditRow {
  return {
    workspaceId: r.workspace_id,
    seq: r.seq,
    occurredAt: r.occurred_at.toISOString(),
    actorType: r.actor_type,
    actorId: r.actor_id,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    summary: r.summary,
    requestId: r.request_id,
    prevHash: r.prev_hash ? r.prev_hash.toString('hex') : null,
    hash: r.hash.toString('hex'),
  };
}

/**
 * One page of audit rows, newest first, after the keyset cursor `beforeSeq`. Sequence numbers are
 * per workspace and dense, so they make a stable cursor.
 */
export async function listAudit(
  tx: WorkspaceTx,
  filter: AuditFilter,
  page: { beforeSeq?: number | undefined; limit: number; order?: 'asc' | 'desc' },
): Promise<{ rows: AuditRow[]; nextCursor: number | undefined }> {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    values.push(value);
    where.push(sql.replace('?', `$${values.length}`));
  };
  if (filter.actorId) add('actor_id = ?', filter.actorId);
  if (filter.action?.endsWith('.*')) add('action LIKE ?', `${filter.action.slice(0, -1)}%`);
  else if (filter.action) add('action = ?', filter.action);
  if (filter.targetType) add('target_type = ?', filter.targetType);
  if (filter.targetId) add('target_id = ?', filter.targetId);
  if (filter.from) add('occurred_at >= ?', filter.from);
  if (filter.to) add('occurred_at <= ?', filter.to);
  const desc = (page.order ?? 'desc') === 'desc';
  if (page.beforeSeq !== undefined) add(desc ? 'seq < ?' : 'seq > ?', page.beforeSeq);
  values.push(page.limit + 1);
  const { rows } = await tx.query<DbRow>(
    `SELECT ${COLUMNS} FROM audit_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY seq ${desc ? 'DESC' : 'ASC'} LIMIT $${values.length}`,
    values,
  );
  const more = rows.length > page.limit;
  const pageRows = rows.slice(0, page.limit).map(toAuditRow);
  return { rows: pageRows, nextCursor: more ? pageRows.at(-1)?.seq : undefined };
}

/**
 * Walks the workspace's whole chain in pages and reports the first broken link: an edited row
 * (its hash no longer matches its content), a row whose link does not match the row before it,
 * or missing rows.
 */
export async function verifyAudit(tx: WorkspaceTx, pageSize = 2000) {
  const head = await tx.query<{ audit_seq: number; audit_hash: Buffer | null }>(
    'SELECT audit_seq, audit_hash FROM workspace_heads',
  );
  let start = { expectedSeq: 1, prevHash: null as string | null };
  let checked = 0;
  for (;;) {
    const { rows } = await tx.query<DbRow>(
      `SELECT ${COLUMNS} FROM audit_events WHERE seq >= $1 ORDER BY seq LIMIT $2`,
      [start.expectedSeq, pageSize],
    );
    const result = await findChainBreak(rows.map(toAuditRow), start);
    checked += result.checked;
    if (result.broken) return { ok: false as const, checked, broken: result.broken };
    if (rows.length < pageSize) {
      const expected = head.rows[0];
      const lastSeq = start.expectedSeq + result.checked - 1;
      if (expected && expected.audit_seq !== lastSeq) {
        return {
          ok: false as const,
          checked,
          broken: {
            seq: lastSeq + 1,
            reason: 'missing_rows' as const,
            detail: `the log ends at ${lastSeq} but its head says ${expected.audit_seq}`,
          },
        };
      }
      if (expected && (expected.audit_hash?.toString('hex') ?? null) !== result.lastHash) {
        return {
          ok: false as const,
          checked,
          broken: {
            seq: lastSeq,
            reason: 'broken_link' as const,
            detail: `the last row does not match the recorded head`,
          },
        };
      }
      return { ok: true as const, checked, broken: undefined };
    }
    start = { expectedSeq: start.expectedSeq + result.checked, prevHash: result.lastHash };
  }
}

/**
 * Audit rows after `afterSeq`, oldest first, for replicas that copy the log by its own dense
 * seq (an interrupted copy resumes from the highest seq it holds); `headSeq` is the log's length.
 */
export async function auditAfter(tx: WorkspaceTx, afterSeq: number, limit: number) {
  const page = await listAudit(tx, {}, { beforeSeq: afterSeq, limit, order: 'asc' });
  const head = await tx.query<{ audit_seq: string }>('SELECT audit_seq FROM workspace_heads');
  return {
    rows: page.rows,
    more: page.nextCursor !== undefined,
    headSeq: Number(head.rows[0]?.audit_seq ?? 0),
  };
}
