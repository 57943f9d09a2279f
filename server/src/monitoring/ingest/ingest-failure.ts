/**
 * Why a batch could not be stored, as the worker needs to know it: a transient failure (the
 * database away, a deadlock, a cancelled statement) says nothing about the batch and must not
 * count towards dead-lettering it — a Postgres outage of some minutes would otherwise turn every
 * queued batch into a dead letter. Anything else (the database refusing the data, a bug met on
 * this batch's content) counts as one failed attempt of this batch.
 */
export type IngestFailure = {
  transient: boolean;
  /** For admins: words and a SQLSTATE, never the database's message (the log has that). */
  reason: string;
};

// SQLSTATE classes (Postgres manual, appendix A) that are about the moment, not the data:
// 08 connection exception, 40 transaction rollback (serialization failure, deadlock),
// 53 insufficient resources, 57 operator intervention (cancel, shutdown), 58 system error (I/O).
const TRANSIENT_CLASSES = new Set(['08', '40', '53', '57', '58']);
// 55P03: lock not available; 55006: object in use.
const TRANSIENT_CODES = new Set(['55P03', '55006']);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

/** Sorts a storing failure into transient or the batch's own, with a reason fit for admins. */
export function classifyFailure(err: unknown): IngestFailure {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    const transient = TRANSIENT_CLASSES.has(code.slice(0, 2)) || TRANSIENT_CODES.has(code);
    return { transient, reason: `the database refused the batch (SQLSTATE ${code})` };
  }
  if (
    (typeof code === 'string' && NETWORK_CODES.has(code)) ||
    /Connection terminated|connection timeout|timeout exceeded when trying to connect/i.test(message)
  )
    return { transient: true, reason: 'the database could not be reached' };
  const name = err instanceof Error ? err.name : 'error';
  return { transient: false, reason: `the worker could not store the batch (${name})` };
}
