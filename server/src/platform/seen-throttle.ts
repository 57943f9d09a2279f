/**
 * How stale a "last seen" / "last used" mark may get before a request writes it again. Writing it
 * on every request costs a row lock and a committed WAL flush per call: a busy agent pushing
 * batches in parallel would queue on its own row. A minute is finer than anything reads it at
 * (agent-offline rules count in minutes; the UI shows relative times).
 */
export const SEEN_WRITE_INTERVAL_MS = 60_000;
