import { type AuditRow, findChainBreak } from '@vigilo/shared/audit-chain';
import { type AuditExportFormat, auditExportHeader, auditExportLine } from '@vigilo/shared/audit-export';
import type Database from 'better-sqlite3';
import type { AuditEntry, AuditQuery, ChainCheck } from '../../bridge/contract.ts';

/** The table's columns under the shared row's names, so a SELECT gives AuditRows as they are. */
const ROW = `a.seq, a.workspace_id AS workspaceId, a.occurred_at AS occurredAt, a.actor_type AS actorType,
  a.actor_id AS actorId, a.action, a.target_type AS targetType, a.target_id AS targetId, a.summary,
  a.request_id AS requestId, a.prev_hash AS prevHash, a.hash`;

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
    return this.#select(q).map(
      ({ workspaceId: _w, requestId: _r, prevHash: _p, hash: _h, ...entry }): AuditEntry => entry,
    );
  }

  #select(q: AuditQuery): AuditRow[] {
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
      .prepare<unknown[], AuditRow>(
        `SELECT ${ROW} FROM ${from} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ?`,
      )
      .all(...values);
  }

  /** Verifies the whole local copy with the same hashing rule as the server (WebCrypto). */
  async verify(): Promise<ChainCheck> {
    const stmt = this.#db.prepare<[number, number], AuditRow>(
      `SELECT ${ROW} FROM audit_events a WHERE a.seq >= ? ORDER BY a.seq LIMIT ?`,
    );
    let start = { expectedSeq: 1, prevHash: null as string | null };
    let checked = 0;
    for (;;) {
      const page = stmt.all(start.expectedSeq, 5000);
      const result = await findChainBreak(page, start);
      checked += result.checked;
      if (result.broken) return { ok: false, checked, broken: result.broken };
      if (page.length < 5000) return { ok: true, checked, broken: undefined };
      start = { expectedSeq: start.expectedSeq + result.checked, prevHash: result.lastHash };
    }
  }

  /**
   * The filtered rows as CSV or JSON lines, oldest first, for an auditor to take away: the same
   * columns and cells as the server's export (@vigilo/shared/audit-export).
   */
  export(q: AuditQuery, format: AuditExportFormat): string {
    const rows = this.#select({ ...q, limit: q.limit ?? 5000 }).reverse();
    return auditExportHeader(format) + rows.map((r) => auditExportLine(r, format)).join('');
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
