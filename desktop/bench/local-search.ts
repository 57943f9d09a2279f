// Audit text search (FTS5) over a large local log: the log grown with synthetic rows past the
// synced ones, then timed queries. Search does not verify the chain, so the rows need no hashes.
import { performance } from 'node:perf_hooks';
import type { DesktopCore } from '../src/core/desktop-core.ts';
import { quantile } from './stats.ts';

/** Appends synthetic audit rows after the replica's last one until it holds `total`. */
export function growAuditLog(core: DesktopCore, total: number): void {
  const insert = core.db.prepare(
    `INSERT INTO audit_events (seq, workspace_id, occurred_at, actor_type, actor_id, action, target_type, target_id, summary, hash)
     VALUES (?, 'w', '2026-01-01T00:00:00.000Z', 'user', ?, ?, 'host', ?, ?, 'x')`,
  );
  const actions = ['host.scanned', 'alert.opened', 'member.added', 'change.approved'];
  const base = core.audit.maxSeq();
  core.db.transaction(() => {
    for (let i = 1; base + i <= total; i++)
      insert.run(
        base + i,
        `user-${i % 97}`,
        actions[i % 4],
        `web-${i}.example.com`,
        `{"note":"rotation ${i % 1013}"}`,
      );
  })();
}

/**
 * Times `queries` searches of 200 rows: a rare host name, a common phrase and a very common
 * action in turn. Returns the p95 in ms and the rows searched.
 */
export function searchP95(core: DesktopCore, queries = 200): { p95Ms: number; rows: number } {
  const rows = core.audit.count();
  const times = Array.from({ length: queries }, (_, i) => {
    const text = [`web-${(i * 7919) % rows}`, `rotation ${i}`, 'alert.opened'][i % 3]!;
    const start = performance.now();
    core.audit.search({ text, limit: 200 });
    return performance.now() - start;
  });
  return { p95Ms: quantile(times, 0.95), rows };
}
