import { type AuditBundle, buildAuditBundle } from '@vigilo/shared/audit-bundle';
import type { AuditRow } from '@vigilo/shared/audit-chain';
import type { WorkspaceTx } from '../../db/tx.ts';
import { invalidField } from '../../domain-errors.ts';
import { type AuditFilter, toAuditRow } from '../../platform/audit-log.ts';

/**
 * The most rows one bundle holds. A bundle is one JSON document built in memory and answered in
 * one response; a longer period is exported as several bundles (each verifies on its own, and
 * consecutive ones link: the next bundle's firstPrevHash is the previous one's lastHash).
 */
export const MAX_BUNDLE_ROWS = 50_000;
const PAGE = 2000;

const COLUMNS =
  'workspace_id, seq, occurred_at, actor_type, actor_id, action, target_type, target_id, summary, request_id, prev_hash, hash';

/**
 * Builds the audit bundle of a workspace for a filter (a period, and optionally actor, action,
 * target): the rows oldest first, read page by page, then the manifest and both files
 * (shared/src/audit-bundle.ts). Every query names the workspace as well as relying on row security,
 * because the CLI runs this on the owner connection, which a superuser owner reads unbound.
 */
export async function exportAuditBundle(
  tx: WorkspaceTx,
  input: { filter: AuditFilter; workspaceSlug: string; exportedBy: string; now: Date },
): Promise<AuditBundle> {
  const f = input.filter;
  const where = ['workspace_id = $1'];
  const values: unknown[] = [tx.workspaceId];
  const add = (sql: string, value: unknown) => {
    values.push(value);
    where.push(sql.replace('?', `$${values.length}`));
  };
  if (f.actorId) add('actor_id = ?', f.actorId);
  if (f.action?.endsWith('.*')) add('action LIKE ?', `${f.action.slice(0, -1)}%`);
  else if (f.action) add('action = ?', f.action);
  if (f.targetType) add('target_type = ?', f.targetType);
  if (f.targetId) add('target_id = ?', f.targetId);
  if (f.from) add('occurred_at >= ?', f.from);
  if (f.to) add('occurred_at <= ?', f.to);
  const rows: AuditRow[] = [];
  let after = 0;
  for (;;) {
    const { rows: page } = await tx.query<Parameters<typeof toAuditRow>[0]>(
      `SELECT ${COLUMNS} FROM audit_events WHERE ${where.join(' AND ')} AND seq > $${values.length + 1}
       ORDER BY seq LIMIT $${values.length + 2}`,
      [...values, after, PAGE],
    );
    // bigint arrives as text on a connection without the server's int8 parser (the CLI's).
    rows.push(...page.map((r) => toAuditRow({ ...r, seq: Number(r.seq) })));
    if (rows.length > MAX_BUNDLE_ROWS)
      throw invalidField(
        ['to'],
        `the period holds more than ${MAX_BUNDLE_ROWS} audit rows: export it in shorter periods`,
      );
    if (page.length < PAGE) break;
    after = rows.at(-1)?.seq ?? after;
  }
  const { rows: head } = await tx.query<{ audit_seq: string }>(
    'SELECT audit_seq FROM workspace_heads WHERE workspace_id = $1',
    [tx.workspaceId],
  );
  const filter = Object.fromEntries(
    Object.entries(f)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, v instanceof Date ? v.toISOString() : String(v)]),
  );
  return buildAuditBundle(rows, {
    workspace: { id: tx.workspaceId, slug: input.workspaceSlug },
    exportedAt: input.now.toISOString(),
    exportedBy: input.exportedBy,
    filter,
    // Only a period keeps every row between the first and the last: the bundle then proves none is missing.
    contiguous: Object.keys(filter).every((k) => k === 'from' || k === 'to'),
    chainHeadSeq: Number(head[0]?.audit_seq ?? 0),
  });
}
