import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { notificationFor } from '../src/core/notifications.ts';
import { migrateReplica, REPLICA_MIGRATIONS } from '../src/core/replica/migrations.ts';
import { openReplicaDb } from '../src/core/replica/replica.ts';
import { inbox } from '../src/core/replica/queries.ts';
import { tempDir } from './support/core.ts';

describe('replica migrations', () => {
  it('upgrades a version-1 replica with data to the latest schema and keeps its rows', () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = `${dir}/old.sqlite`;
      const old = new Database(file);
      old.exec(REPLICA_MIGRATIONS[0]!.sql);
      old.pragma('user_version = 1');
      old.prepare("INSERT INTO records (tbl, id, data) VALUES ('alerts', 'a1', ?)").run(
        JSON.stringify({
          severity: 'critical',
          summary: 'cert expires',
          state: 'open',
          opened_at: '2026-01-01',
          acknowledged_at: null,
        }),
      );
      old.close();

      const db = openReplicaDb(file);
      expect(db.pragma('user_version', { simple: true })).toBe(REPLICA_MIGRATIONS.at(-1)!.version);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(inbox(db, new Date())).toEqual([
        expect.objectContaining({
          id: 'a1',
          severity: 'critical',
          title: 'cert expires',
          acknowledged: false,
        }),
      ]);
      db.close();
    } finally {
      cleanup();
    }
  });

  it('refuses a replica written by a newer build', () => {
    const db = new Database(':memory:');
    db.pragma('user_version = 999');
    expect(() => migrateReplica(db)).toThrow(/newer Vigilo/);
  });
});

describe('notification policy', () => {
  const change = (row: Record<string, unknown>) => ({
    seq: 1,
    table: 'alerts',
    rowId: 'a1',
    op: 'upsert' as const,
    row,
  });
  const opts = { initialSync: false, workspaceSlug: 'acme' };
  const critical = {
    state: 'open',
    severity: 'critical',
    summary: 'cert expires',
    suppressed: false,
    acknowledged_at: null,
  };

  it('notifies a newly opened critical alert, with a link to it', () => {
    expect(notificationFor(change(critical), null, opts)).toEqual({
      title: 'Critical alert',
      body: 'cert expires',
      target: 'vigilo://acme/alerts/a1',
    });
  });

  it('stays quiet for history, repeats, warnings, suppressed and acknowledged alerts', () => {
    expect(notificationFor(change(critical), null, { ...opts, initialSync: true })).toBeUndefined();
    expect(notificationFor(change(critical), critical, opts)).toBeUndefined();
    expect(notificationFor(change({ ...critical, severity: 'warning' }), null, opts)).toBeUndefined();
    expect(notificationFor(change({ ...critical, suppressed: true }), null, opts)).toBeUndefined();
    expect(
      notificationFor(change({ ...critical, acknowledged_at: '2026-01-01' }), null, opts),
    ).toBeUndefined();
  });
});
