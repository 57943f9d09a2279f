/**
 * The audit chain's hashing rule, shared by the server (which verifies what Postgres computed)
 * and the desktop (which verifies its replica offline). It must produce exactly the bytes of the
 * SQL function vigilo_audit_canonical in server/src/db/migrations/0002_platform.sql.
 */
export type AuditRow = {
  workspaceId: string;
  seq: number;
  /** ISO-8601 UTC with milliseconds, as stored (timestamptz(3)). */
  occurredAt: string;
  actorType: string;
  actorId: string;
  action: string;
  targetType: string;
  targetId: string;
  /** Canonical JSON text, exactly as stored. */
  summary: string;
  requestId: string | null;
  /** Lower-case hex, or null for the first row of a workspace. */
  prevHash: string | null;
  hash: string;
};

export function auditCanonicalText(row: Omit<AuditRow, 'hash'>): string {
  return [
    'vigilo-audit-v1',
    row.workspaceId,
    String(row.seq),
    row.occurredAt,
    row.actorType,
    row.actorId,
    row.action,
    row.targetType,
    row.targetId,
    row.summary,
    row.requestId ?? '',
    row.prevHash ?? '',
  ].join('\n');
}

export type ChainBreak = {
  seq: number;
  reason: 'hash_mismatch' | 'broken_link' | 'missing_rows' | 'bad_start';
  detail: string;
};

/**
 * Walks rows in seq order (starting at `expectedSeq`, with `prevHash` of the row before it) and
 * returns the first break, or undefined when every row verifies. Uses WebCrypto, which Node and
 * browsers both have.
 */
export async function findChainBreak(
  rows: Iterable<AuditRow> | AsyncIterable<AuditRow>,
  start: { expectedSeq: number; prevHash: string | null } = { expectedSeq: 1, prevHash: null },
): Promise<{ broken: ChainBreak | undefined; checked: number; lastHash: string | null }> {
  let expectedSeq = start.expectedSeq;
  let prevHash = start.prevHash;
  let checked = 0;
  for await (const row of rows) {
    if (row.seq !== expectedSeq) {
      return {
        broken: {
          seq: expectedSeq,
          reason: 'missing_rows',
          detail: `expected row ${expectedSeq}, found ${row.seq}: rows ${expectedSeq}..${row.seq - 1} are missing`,
        },
        checked,
        lastHash: prevHash,
      };
    }
    if (row.prevHash !== prevHash) {
      return {
        broken: {
          seq: row.seq,
          reason: 'broken_link',
          detail: `row ${row.seq} does not link to the row before it`,
        },
        checked,
        lastHash: prevHash,
      };
    }
    const actual = await sha256Hex(auditCanonicalText(row));
    if (actual !== row.hash) {
      return {
        broken: {
          seq: row.seq,
          reason: 'hash_mismatch',
          detail: `row ${row.seq} was changed after it was written (its content no longer matches its hash)`,
        },
        checked,
        lastHash: prevHash,
      };
    }
    prevHash = row.hash;
    expectedSeq += 1;
    checked += 1;
  }
  return { broken: undefined, checked, lastHash: prevHash };
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
