import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withWorkspace } from '../../src/db/tx.ts';
import { createWorld, type World } from '@vigilo/tests/support/world';

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => {
  await world?.close();
});

describe('audit log', () => {
  it('records every state change with its actor, and lists with filters and a keyset cursor', async () => {
    const owner = world.client('owner');
    await owner.workspace.update.mutate({ workspace: 'acme', name: 'Acme Corp' });
    const all = await owner.audit.list.query({ workspace: 'acme', limit: 3 });
    expect(all.rows).toHaveLength(3);
    expect(all.rows[0]).toMatchObject({
      action: 'workspace.updated',
      actorType: 'user',
      targetType: 'workspace',
    });
    expect(JSON.parse(all.rows[0]!.summary)).toEqual({
      after: { name: 'Acme Corp', settings: {} },
      before: { name: 'Acme', settings: {} },
    });
    const next = await owner.audit.list.query({ workspace: 'acme', limit: 3, cursor: all.nextCursor });
    expect(next.rows[0]!.seq).toBe(all.rows[2]!.seq - 1);

    // Six invitations, each accepted by its invitee.
    const members = await owner.audit.list.query({ workspace: 'acme', filter: { action: 'member.*' } });
    expect(members.rows.length).toBe(12);
    expect(new Set(members.rows.map((r) => r.action))).toEqual(new Set(['member.invited', 'member.added']));
    const added = await owner.audit.list.query({ workspace: 'acme', filter: { action: 'member.added' } });
    expect(added.rows.length).toBe(6);
    const byTarget = await owner.audit.list.query({ workspace: 'acme', filter: { targetType: 'workspace' } });
    expect(byTarget.rows.map((r) => r.action)).toEqual(['workspace.updated', 'workspace.created']);
    const none = await owner.audit.list.query({
      workspace: 'acme',
      filter: { from: new Date(Date.now() + 60_000) },
    });
    expect(none.rows).toEqual([]);
  });

  it('rejects a malformed filter naming the field, and changes nothing', async () => {
    await expect(
      world.client('owner').audit.list.query({ workspace: 'acme', filter: { action: 'DROP TABLE' } }),
    ).rejects.toMatchObject({
      data: {
        code: 'BAD_REQUEST',
        fieldErrors: { 'filter.action': expect.stringMatching(/action must look like/) },
      },
    });
  });

  it('verifies an intact chain', async () => {
    const result = await world.client('auditor').audit.verify.query({ workspace: 'acme' });
    expect(result).toMatchObject({ ok: true, broken: undefined });
    expect(result.checked).toBeGreaterThan(5);
  });

  it('reports a row edited by a superuser directly in the database, at that row', async () => {
    const superuser = new pg.Client({ connectionString: world.server.database.url });
    await superuser.connect();
    try {
      await superuser.query('BEGIN');
      await superuser.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_immutable');
      await superuser.query(
        `UPDATE audit_events SET summary = '{"after":{"role":"owner"}}' WHERE workspace_id = $1 AND seq = 3`,
        [world.workspace.id],
      );
      await superuser.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_immutable');
      await superuser.query('COMMIT');
    } finally {
      await superuser.end();
    }
    const result = await world.client('owner').audit.verify.query({ workspace: 'acme' });
    expect(result.ok).toBe(false);
    expect(result.broken).toMatchObject({ seq: 3, reason: 'hash_mismatch' });
    // The other workspace's chain is untouched.
    expect((await world.client('outsider').audit.verify.query({ workspace: 'other' })).ok).toBe(true);
  });

  it('leaves no audit row and no event when the state change rolls back', async () => {
    const db = world.server.services.db;
    const count = async () => {
      const { rows } = await db.owner.query<{ audit: number; events: number }>(
        'SELECT (SELECT count(*) FROM audit_events)::int AS audit, (SELECT count(*) FROM events)::int AS events',
      );
      return rows[0];
    };
    const before = await count();
    await expect(
      withWorkspace(
        db.app,
        world.workspace.id,
        { actor: { type: 'system', id: 'test' }, requestId: 'r1' },
        async (tx) => {
          await tx.query("UPDATE workspaces SET name = 'Renamed'");
          await tx.record({
            action: 'workspace.updated',
            target: { type: 'workspace', id: tx.workspaceId },
            summary: { after: { name: 'Renamed' } },
            event: 'workspace.updated',
            payload: {},
          });
          throw new Error('boom after the change');
        },
      ),
    ).rejects.toThrow('boom after the change');
    expect(await count()).toEqual(before);
    const ws = await db.owner.query('SELECT name FROM workspaces WHERE id = $1', [world.workspace.id]);
    expect(ws.rows[0].name).toBe('Acme Corp');
  });

  it('exports CSV and JSONL streams for a filter, to auditors and not to viewers', async () => {
    const base = `${world.server.url}/api/workspaces/acme/audit/export`;
    const auth = { authorization: `Bearer ${world.tokens.auditor}` };
    const csv = await fetch(`${base}?format=csv&action=member.added`, { headers: auth });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename="audit-acme-.*\.csv"/);
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toBe(
      'seq,occurredAt,actorType,actorId,action,targetType,targetId,summary,requestId,prevHash,hash',
    );
    expect(lines).toHaveLength(7);
    expect(lines.slice(1).every((l) => l.includes(',member.added,'))).toBe(true);

    const jsonl = await fetch(`${base}?format=jsonl`, { headers: auth });
    const rows = (await jsonl.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number });
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));

    expect(
      (await fetch(`${base}?format=csv`, { headers: { authorization: `Bearer ${world.tokens.viewer}` } }))
        .status,
    ).toBe(403);
    expect((await fetch(`${base}?format=xml`, { headers: auth })).status).toBe(400);
    expect((await fetch(`${base}?format=csv`)).status).toBe(401);
  });
});
