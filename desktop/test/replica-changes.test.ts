import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { notificationFor } from '../src/core/notifications.ts';
import { myApprovals } from '../src/core/replica/approvals.ts';
import { changeDetail } from '../src/core/replica/changes.ts';
import { incidentDetail } from '../src/core/replica/incidents.ts';
import { REPLICA_MIGRATIONS } from '../src/core/replica/migrations.ts';
import { openReplicaDb } from '../src/core/replica/replica.ts';
import { tempDir } from './support/core.ts';

/**
 * Replica steps 5 and 6 (change management, collisions) on a real SQLite file: a version-4 replica holding the new
 * tables' rows (they arrived as generic records before the step) is upgraded, and the queue,
 * detail and incident views read them; the queries use the step's indexes. Then the notification
 * policy for approvals assigned to me, pure.
 */

const ME = '00000000-0000-4000-8000-0000000000aa';
const ALICE = '00000000-0000-4000-8000-0000000000bb';
const BOB = '00000000-0000-4000-8000-0000000000cc';

function insert(db: Database.Database, tbl: string, id: string, data: Record<string, unknown>) {
  db.prepare('INSERT INTO records (tbl, id, data) VALUES (?, ?, ?)').run(tbl, id, JSON.stringify(data));
}

describe('replica steps 5 and 6: change management', () => {
  it('upgrades a version-4 replica holding changes, requests, delegations and incidents', () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = `${dir}/v4.sqlite`;
      const old = new Database(file);
      for (const m of REPLICA_MIGRATIONS.filter((m) => m.version <= 4)) old.exec(m.sql);
      old.pragma('user_version = 4');
      insert(old, 'changes', 'c1', {
        id: 'c1',
        title: 'Renew www',
        type: 'normal',
        state: 'submitted',
        requester_id: ALICE,
        risk_level: 'moderate',
        risk_score: 9,
        risk_reasons: [{ code: 'production', points: 6, text: 'touches production: www' }],
        affected_host_ids: [],
        affected_tags: ['production'],
        revision: 1,
        created_at: '2026-03-01T10:00:00.000+00:00',
      });
      // Waits on Bob, who delegated to me for now; a second step waits its turn.
      insert(old, 'approval_requests', 'r1', {
        id: 'r1',
        change_id: 'c1',
        kind: 'approval',
        position: 1,
        step_name: 'Ops',
        approver_ids: [BOB],
        quorum: 1,
        revision: 1,
        state: 'pending',
        opened_at: '2026-03-01T10:05:00.000+00:00',
        created_at: '2026-03-01T10:05:00.000+00:00',
      });
      insert(old, 'approval_requests', 'r2', {
        id: 'r2',
        change_id: 'c1',
        kind: 'approval',
        position: 2,
        step_name: 'CAB',
        approver_ids: [ME],
        quorum: 1,
        revision: 1,
        state: 'waiting',
        created_at: '2026-03-01T10:05:00.000+00:00',
      });
      insert(old, 'delegations', 'd1', {
        id: 'd1',
        approver_id: BOB,
        delegate_id: ME,
        starts_at: '2026-02-28T00:00:00+00:00',
        ends_at: '2026-03-10T00:00:00+00:00',
      });
      insert(old, 'change_collisions', 'k1', {
        id: 'k1',
        change_id: 'c1',
        kind: 'host_overlap',
        reason: 'overlaps “Patch www” on www.example.test',
        detected_at: '2026-03-01T10:00:00.000+00:00',
      });
      insert(old, 'incidents', 'i1', {
        id: 'i1',
        title: 'www down',
        severity: 'SEV2',
        state: 'investigating',
        opened_at: '2026-03-01T11:00:00.000+00:00',
        opened_by: `user:${ALICE}`,
      });
      insert(old, 'incident_timeline', 't1', {
        id: 't1',
        incident_id: 'i1',
        kind: 'opened',
        detail: { severity: 'SEV2' },
        actor: `user:${ALICE}`,
        at: '2026-03-01T11:00:00.000+00:00',
      });
      old.close();

      const db = openReplicaDb(file);
      expect(db.pragma('user_version', { simple: true })).toBe(REPLICA_MIGRATIONS.at(-1)!.version);
      db.prepare('INSERT INTO people (user_id, name, email) VALUES (?, ?, ?)').run(BOB, 'Bob', null);
      db.prepare('INSERT INTO people (user_id, name, email) VALUES (?, ?, ?)').run(
        ALICE,
        null,
        'alice@x.test',
      );
      const during = new Date('2026-03-02T00:00:00Z');
      expect(myApprovals(db, ME, during)).toEqual([
        expect.objectContaining({
          requestId: 'r1',
          stepName: 'Ops',
          asApprover: false,
          onBehalfOf: [{ id: BOB, name: 'Bob' }],
          requester: { id: ALICE, name: 'alice@x.test' },
        }),
      ]);
      // A CAB step waits on the board's meeting, not on me, even when I am among its approvers.
      insert(db, 'approval_requests', 'r3', {
        id: 'r3',
        change_id: 'c1',
        kind: 'approval',
        position: 3,
        step_name: 'Board',
        approver_ids: [ME],
        quorum: 1,
        revision: 1,
        state: 'pending',
        cab: true,
        opened_at: '2026-03-01T10:06:00.000+00:00',
      });
      expect(myApprovals(db, ME, during).map((a) => a.requestId)).toEqual(['r1']);
      db.prepare(`DELETE FROM records WHERE tbl = 'approval_requests' AND id = 'r3'`).run();
      // After the delegation ends, nothing waits on me (the second step is not open yet).
      expect(myApprovals(db, ME, new Date('2026-03-11T00:00:00Z'))).toEqual([]);
      expect(changeDetail(db, 'c1', ME, during)).toMatchObject({
        state: 'submitted',
        risk: { level: 'moderate', reasons: [{ text: 'touches production: www' }] },
        allowedTransitions: ['draft', 'cancelled'],
        collisions: [{ kind: 'host_overlap', message: 'overlaps “Patch www” on www.example.test' }],
        approvals: [
          { step: 1, state: 'pending' },
          { step: 2, state: 'waiting' },
        ],
      });
      expect(incidentDetail(db, 'i1')).toMatchObject({
        state: 'investigating',
        allowedTransitions: ['identified', 'monitoring', 'resolved'],
        timeline: [{ kind: 'opened', by: 'alice@x.test', what: 'Opened as SEV2' }],
      });
      const plan = db
        .prepare("EXPLAIN QUERY PLAN SELECT id FROM approval_requests WHERE state = 'pending'")
        .all() as Array<{ detail: string }>;
      expect(plan.map((p) => p.detail).join(' ')).toContain('records_request_state');
      db.close();
    } finally {
      cleanup();
    }
  });
});

describe('notification policy: approvals assigned to me', () => {
  const request = (row: Record<string, unknown>) => ({
    seq: 2,
    table: 'approval_requests',
    rowId: 'r1',
    op: 'upsert' as const,
    row: {
      change_id: 'c1',
      step_name: 'Ops',
      kind: 'approval',
      approver_ids: [ME],
      state: 'pending',
      ...row,
    },
  });
  const changes: Record<string, Record<string, unknown>> = {
    c1: { title: 'Renew www', requester_id: ALICE },
  };
  const opts = {
    initialSync: false,
    workspaceSlug: 'acme',
    me: ME,
    standsInFor: new Set<string>(),
    row: (table: string, id: string) => (table === 'changes' ? (changes[id] ?? null) : null),
  };

  it('notifies a request that has just opened for me, and clicking it opens the change', () => {
    expect(notificationFor(request({}), null, opts)).toEqual({
      title: 'Approval requested',
      body: 'Renew www (Ops)',
      target: 'vigilo://acme/changes/c1',
    });
    // A waiting step that opens now is news too; so is one I stand in for as a delegate.
    expect(notificationFor(request({}), { state: 'waiting' }, opts)).toBeDefined();
    expect(
      notificationFor(request({ approver_ids: [BOB] }), null, { ...opts, standsInFor: new Set([BOB]) }),
    ).toBeDefined();
  });

  it('stays quiet for history, repeats, others’ requests, closed ones and my own changes', () => {
    expect(notificationFor(request({}), null, { ...opts, initialSync: true })).toBeUndefined();
    expect(notificationFor(request({}), { state: 'pending' }, opts)).toBeUndefined();
    expect(notificationFor(request({ approver_ids: [BOB] }), null, opts)).toBeUndefined();
    expect(notificationFor(request({ state: 'waiting' }), null, opts)).toBeUndefined();
    expect(notificationFor(request({ state: 'approved' }), null, opts)).toBeUndefined();
    expect(notificationFor(request({ cab: true }), null, opts)).toBeUndefined();
    expect(notificationFor(request({}), null, { ...opts, me: undefined })).toBeUndefined();
    const mine = { ...opts, row: () => ({ title: 'Mine', requester_id: ME }) };
    expect(notificationFor(request({}), null, mine)).toBeUndefined();
  });
});
