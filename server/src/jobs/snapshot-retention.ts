import type pg from 'pg';
import { withOwnerTx, withWorkspace } from '../db/tx.ts';

const DAY_MS = 86_400_000;
/** Ended snoozes are kept this long (the alert pane shows a recently lifted one), then deleted. */
const ENDED_SNOOZE_DAYS = 30;

/** A snapshot the retention must not delete, by its key. */
type Keeper = { workspaceId: string; id: string };

/**
 * Snapshot retention: deletes the snapshots scanned before `now - retentionDays`, whole months
 * by dropping their partition (the cutoff's own month once it has wholly passed) and those in
 * the default partition row by row, except each host's newest snapshot and its
 * newest one with a handshake: the host detail shows those whatever their age (a host paused for
 * two years still shows the chain it served last). Snapshots of removed hosts go with their age.
 * Also deletes snoozes that ended more than 30 days ago.
 *
 * Which rows are kept is read per workspace under row-level security (the owner may not be a
 * superuser, and snapshots FORCE it); the partitions themselves carry no policy, so dropping and
 * row deletes on them see every workspace's rows.
 */
export async function runSnapshotRetention(owner: pg.Pool, now: Date, retentionDays: number): Promise<void> {
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS);
  const snoozeCutoff = new Date(now.getTime() - ENDED_SNOOZE_DAYS * DAY_MS);
  const keep: Keeper[] = [];
  const { rows: workspaces } = await owner.query<{ id: string }>('SELECT id FROM workspaces ORDER BY id');
  for (const { id } of workspaces)
    await withWorkspace(
      owner,
      id,
      { actor: { type: 'system', id: 'scheduler' }, requestId: undefined },
      async (tx) => {
        const { rows } = await tx.query<{ id: string }>(
          `SELECT DISTINCT s.id FROM hosts h CROSS JOIN LATERAL (
           (SELECT id, scanned_at FROM snapshots WHERE workspace_id = h.workspace_id AND host_id = h.id
            ORDER BY scanned_at DESC LIMIT 1)
           UNION ALL
           (SELECT id, scanned_at FROM snapshots WHERE workspace_id = h.workspace_id AND host_id = h.id
              AND json_typeof(body->'tls') <> 'null' ORDER BY scanned_at DESC LIMIT 1)
         ) s WHERE s.scanned_at < $1`,
          [cutoff],
        );
        for (const r of rows) keep.push({ workspaceId: id, id: r.id });
        await tx.query('DELETE FROM snoozes WHERE until < $1', [snoozeCutoff]);
      },
    );
  const keepWs = keep.map((k) => k.workspaceId);
  const keepIds = keep.map((k) => k.id);
  // Whether row `t` is a keeper, given the keepers' two arrays as parameters $w and $i.
  const isKept = (w: number, i: number) =>
    `EXISTS (SELECT 1 FROM unnest($${w}::uuid[], $${i}::uuid[]) k(w, i) WHERE k.w = t.workspace_id AND k.i = t.id)`;

  // Only months wholly before the cutoff go: the month the cutoff falls in waits until it has
  // passed too (at most a month longer than the retention), as deleting its rows one by one
  // would scan a month of scans every run, while dropping a partition costs nothing.
  for (const p of await monthPartitions(owner)) {
    if (p.end > cutoff) continue;
    // Its keepers are put back first, into the default partition (which holds any month no
    // partition covers), so the detach, copy and drop are one transaction.
    await withOwnerTx(owner, async (client) => {
      await client.query(`ALTER TABLE snapshots DETACH PARTITION ${p.name}`);
      await client.query(`INSERT INTO snapshots_default SELECT * FROM ${p.name} t WHERE ${isKept(1, 2)}`, [
        keepWs,
        keepIds,
      ]);
      await client.query(`DROP TABLE ${p.name}`);
    });
  }
  await owner.query(`DELETE FROM snapshots_default t WHERE scanned_at < $1 AND NOT ${isKept(2, 3)}`, [
    cutoff,
    keepWs,
    keepIds,
  ]);
}

/** The attached month partitions (`snapshots_YYYY_MM`) with the end of the UTC month each holds. */
async function monthPartitions(owner: pg.Pool): Promise<Array<{ name: string; end: Date }>> {
  const { rows } = await owner.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'snapshots'::regclass AND c.relname ~ '^snapshots_\\d{4}_\\d{2}$' ORDER BY 1`,
  );
  return rows.map(({ name }) => {
    const year = Number(name.slice(10, 14));
    const month = Number(name.slice(15, 17));
    return { name, end: new Date(Date.UTC(year, month, 1)) };
  });
}
