import { csvRow } from '@vigilo/shared/csv';
import { type AuditRow, findChainBreak } from '@vigilo/shared/audit-chain';
import type Database from 'better-sqlite3';
import type { AuditEntry, AuditQuery, ChainCheck } from '../../bridge/contract.ts';

type DbAudit = {
  seq: number;
  workspace_id: string;
  occurred_at: string;
  actor_type: string;
  actor_id: string;
  action: string;
  target_type: string;
  target_id: string;
  summary: string;
  request_id: string | null;
  prev_hash: string | null;
  hash: string;
};

const toRow = (r: DbAudit): AuditRow => ({
  workspaceId: r.workspace_id,
  seq: r.seq,
  occurredAt: r.occurred_at,
  actorType: r.actor_type,
  actorId: r.actor_id,
  action: r.action,
  targetType: r.target_type,
  targetId: r.target_id,
  summary: r.summary,
  requestId: r.request_id,
  prevHash: r.prev_hash,
  hash: r.hash,
});

/** The replica's copy of the audit log: appended by seq, searched locally, verified locally. */
export class AuditStore {
  readonly #db: Database.Database;
  constructor(db: Database.Database) {
    this.#db = db;
  }

  /** The highest seq held: the copy resumes after it. */
  maxSeq(): number {
    return this.#db.prepare<[], { m: number | null }>('SELECT max(seq) AS m FROM audit_events').get()?.m ?? 0;
  }

  count(): number {
    return this.#db.prepare<[], { n: number }>('SELECT count(*) AS n FROM audit_events').get()?.n ?? 0;
  }

  /** Appends one page in one transaction; rows already held are skipped (a retried page). */
  append(rows: AuditRow[]): void {
    const insert = this.#db.prepare(
      `INSERT INTO audit_events (seq, workspace_id, occurred_at, actor_type, actor_id, action, target_type,
         target_id, summary, request_id, prev_hash, hash)
       VALUES (@seq, @workspaceId, @occurredAt, @actorType, @actorId, @action, @targetType, @targetId,
         @summary, @requestId, @prevHash, @hash)
       ON CONFLICT (seq) DO NOTHING`,
    );
    this.#db.transaction(() => rows.forEach((r) => insert.run(r)))();
  }

  /** Newest first. `text` is a full-text search (FTS5) over action, actor, target and summary. */
  search(q: AuditQuery): AuditEntry[] {
    const where: string[] = [];
    const values: unknown[] = [];
    const text = q.text?.trim();
    if (text) {
      where.push('audit_fts MATCH ?');
      values.push(ftsQuery(text));
    }
    if (q.action?.endsWith('*')) {
      where.push('a.action LIKE ?');
      values.push(`${q.action.slice(0, -1)}%`);
    } else if (q.action) {
      where.push('a.action = ?');
      values.push(q.action);
    }
    const add = (sql: string, value: unknown) => {
      where.push(sql);
      values.push(value);
    };
    if (q.actorId) add('a.actor_id = ?', q.actorId);
    if (q.targetId) add('a.target_id = ?', q.targetId);
    if (q.from) add('a.occurred_at >= ?', q.from);
    if (q.to) add('a.occurred_at <= ?', q.to);
    values.push(q.limit ?? 500);
    // With text, walk the FTS index newest first and stop at the limit (FTS5 serves rowid DESC
    // without sorting every match): a common word over a million rows stays fast.
    const from = text ? 'audit_fts f JOIN audit_events a ON a.seq = f.rowid' : 'audit_events a';
    const order = text ? 'f.rowid DESC' : 'a.seq DESC';
    return this.#db
      .prepare<unknown[], DbAudit>(
        `SELECT a.* FROM ${from} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ?`,
      )
      .all(...values)
      .map((r) => ({
        seq: r.seq,
        occurredAt: r.occurred_at,
        actorType: r.actor_type,
        actorId: r.actor_id,
        action: r.action,
        targetType: r.target_type,
        targetId: r.target_id,
        summary: r.summary,
      }));
  }

  /** Verifies the whole local copy with the same hashing rule as the server (WebCrypto). */
  async verify(): Promise<ChainCheck> {
    const stmt = this.#db.prepare<[number, number], DbAudit>(
      'SELECT * FROM audit_events WHERE seq >= ? ORDER BY seq LIMIT ?',
    );
    let start = { expectedSeq: 1, prevHash: null as string | null };
    let checked = 0;
    for (;;) {
      const page = stmt.all(start.expectedSeq, 5000).map(toRow);
      const result = await findChainBreak(page, start);
      checked += result.checked;
      if (result.broken) return { ok: false, checked, broken: result.broken };
      if (page.length < 5000) return { ok: true, checked, broken: undefined };
      start = { expectedSeq: start.expectedSeq + result.checked, prevHash: result.lastHash };
    }
  }

  /** The filtered rows as CSV or JSON lines, oldest first, for an auditor to take away. */
  export(q: AuditQuery, format: 'csv' | 'jsonl'): string {
    const rows = this.search({ ...q, limit: q.limit ?? 5000 }).reverse();
    if (format === 'jsonl') return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
    const cols = [
      'seq',
      'occurredAt',
      'actorType',
      'actorId',
      'action',
      'targetType',
      'targetId',
      'summary',
    ] as const;
    return csvRow(cols) + rows.map((r) => csvRow(cols.map((c) => r[c]))).join('');
  }
}

/**
 * Each word becomes a quoted term, so user input can never be FTS5 syntax; the last word is a
 * prefix (the user may still be typing it).
 */
function ftsQuery(text: string): string {
  const words = text.trim().split(/\s+/);
  return words.map((w, i) => `"${w.replaceAll('"', '""')}"${i === words.length - 1 ? '*' : ''}`).join(' ');
}
