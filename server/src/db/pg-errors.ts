/**
 * Postgres failures a handler expects and answers in words (SQLSTATE codes, see the Postgres
 * manual, appendix A). Anything else stays a bug: it is logged and answered as an internal error.
 */

/** A unique constraint refused the row: a concurrent or duplicate write (23505). */
export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === '23505';
}
