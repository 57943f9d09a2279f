import { randomUUID } from 'node:crypto';
import type { PushEntryInput } from '@vigilo/shared/outbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outcome } from '@vigilo/tests/support/client';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { seedAlert } from '@vigilo/tests/support/alerts';
import { tablesFor } from '../../src/sync/tables.ts';

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => {
  await world?.close();
});

type Change = { seq: number; table: string; rowId: string; op: string; row: Record<string, unknown> | null };

async function pullAll(who: string, cursor = 0, limit = 1000) {
  const changes: Change[] = [];
  let page;
  do {
    page = await world.client(who).sync.pull.query({ workspace: 'acme', cursor, limit });
    changes.push(...page.changes);
    cursor = page.cursor;
  } while (page.more);
  return { changes, cursor, tables: page.tables };
}

describe('sync.pull: the per-row change log', () => {
  it('replicates the workspace and its members, in seq order, without other tenants', async () => {
    const { changes, tables } = await pullAll('viewer', 0, 2);
    const seqs = changes.map((c) => c.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(changes.find((c) => c.table === 'workspaces')?.row).toMatchObject({ slug: 'acme', name: 'Acme' });
    expect(changes.filter((c) => c.table === 'memberships')).toHaveLength(7);
    expect(changes.every((c) => c.row === null || c.row.workspace_id !== world.other.id)).toBe(true);
    expect(tables).not.toContain('channels');
  });

  it('sends channels only to admins, and never their sealed secret', async () => {
    await world.client('owner').channels.create.mutate({
      workspace: 'acme',
      name: 'hook',
      type: 'webhook',
      config: { url: 'https://example.test/hook', secret: `whsec_${Buffer.alloc(24, 7).toString('base64')}` },
      eventTypes: ['*'],
    } as never);
    const admin = await pullAll('admin');
    const channel = admin.changes.find((c) => c.table === 'channels');
    expect(channel?.row).toMatchObject({ name: 'hook' });
    expect(channel?.row).not.toHaveProperty('secret_sealed');
    const viewer = await pullAll('viewer');
    expect(viewer.changes.some((c) => c.table === 'channels')).toBe(false);
  });

  it('continues from a cursor with updates and tombstones, keeping one entry per row', async () => {
    const before = await pullAll('owner');
    await world.client('owner').members.remove.mutate({ workspace: 'acme', email: 'viewer@example.test' });
    await world.client('owner').workspace.update.mutate({ workspace: 'acme', name: 'Acme Corp' });
    const after = await pullAll('owner', before.cursor);
    expect(after.changes.map((c) => [c.table, c.op])).toEqual([
      ['memberships', 'delete'],
      ['workspaces', 'upsert'],
    ]);
    expect(after.changes[0]?.row).toBeNull();
    expect(after.changes[1]?.row).toMatchObject({ name: 'Acme Corp' });
    // From zero, the workspace appears once, in its latest state.
    const all = await pullAll('owner');
    expect(all.changes.filter((c) => c.table === 'workspaces')).toHaveLength(1);
    await world
      .client('owner')
      .members.add.mutate({ workspace: 'acme', email: 'viewer@example.test', role: 'viewer' });
    await world.client('viewer').workspace.mine.query(); // the invitee signs in again: a member
  });

  it('gives an auditor only the tables its role may read, and refuses outsiders', async () => {
    // The auditor replicates compliance (permission 'audit'), never hosts, alerts or changes.
    const page = await world.client('auditor').sync.pull.query({ workspace: 'acme' });
    expect(page.tables).toEqual(tablesFor('auditor'));
    expect(page.tables).not.toContain('hosts');
    expect(page.changes.every((c) => page.tables.includes(c.table))).toBe(true);
    expect(await outcome(() => world.client('outsider').sync.pull.query({ workspace: 'acme' }))).toBe(
      'NOT_FOUND',
    );
  });
});

describe('sync.audit', () => {
  it('copies the audit log oldest first from a seq, for auditors too', async () => {
    const first = await world
      .client('auditor')
      .sync.audit.query({ workspace: 'acme', afterSeq: 0, limit: 3 });
    expect(first.rows.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(first.more).toBe(true);
    const rest = await world
      .client('auditor')
      .sync.audit.query({ workspace: 'acme', afterSeq: 3, limit: 5000 });
    expect(rest.rows[0]?.seq).toBe(4);
    expect(rest.rows.at(-1)?.seq).toBe(first.headSeq);
    expect(rest.more).toBe(false);
  });
});

describe('sync.push: client mutations applied once, with typed conflicts', () => {
  it('applies a rename once however often it is delivered', async () => {
    const clientId = randomUUID();
    const m = { clientId, kind: 'workspace.rename' as const, args: { name: 'Acme Once' } };
    const head = async () =>
      (await world.client('owner').sync.audit.query({ workspace: 'acme', afterSeq: 0, limit: 1 })).headSeq;
    const auditBefore = await head();
    const [first] = await world.client('owner').sync.push.mutate({ workspace: 'acme', mutations: [m] });
    expect(first).toMatchObject({
      clientId,
      status: 'applied',
      replayed: false,
      value: { name: 'Acme Once' },
    });
    const again = await Promise.all(
      [1, 2, 3].map(() => world.client('owner').sync.push.mutate({ workspace: 'acme', mutations: [m] })),
    );
    for (const [r] of again) expect(r).toMatchObject({ clientId, status: 'applied', replayed: true });
    expect(await head()).toBe(auditBefore + 1);
  });

  it('answers a stale rename with a conflict and leaves the row alone', async () => {
    const [r] = await world.client('owner').sync.push.mutate({
      workspace: 'acme',
      mutations: [
        {
          clientId: randomUUID(),
          kind: 'workspace.rename',
          args: { name: 'Mine', expectedName: 'Not the name' },
        },
      ],
    });
    expect(r).toMatchObject({ status: 'conflict', reason: 'stale' });
    expect((await world.client('owner').workspace.get.query({ workspace: 'acme' })).name).toBe('Acme Once');
  });

  it('refuses by role, unknown kinds and bad arguments as stored conflicts', async () => {
    const forbidden = { clientId: randomUUID(), kind: 'workspace.rename' as const, args: { name: 'x' } };
    const [r1, r2, r3] = await world.client('viewer').sync.push.mutate({
      workspace: 'acme',
      mutations: [
        forbidden,
        // Outside the contract on purpose: a newer desktop's kind, an argument that is no id.
        { clientId: randomUUID(), kind: 'time.travel', args: {} } as unknown as PushEntryInput,
        { clientId: randomUUID(), kind: 'alert.acknowledge', args: { alertId: 'nope' } },
      ],
    });
    expect(r1).toMatchObject({ status: 'conflict', reason: 'forbidden' });
    expect(r2).toMatchObject({ status: 'conflict', reason: 'unknown_kind' });
    expect(r3).toMatchObject({ status: 'conflict', reason: 'forbidden' });
    const [bad] = await world.client('member').sync.push.mutate({
      workspace: 'acme',
      mutations: [{ clientId: randomUUID(), kind: 'alert.acknowledge', args: { alertId: 'nope' } }],
    });
    expect(bad).toMatchObject({ status: 'conflict', reason: 'invalid' });
    expect((bad as { message: string }).message).toMatch(/alertId/);
  });

  it('acknowledges an open alert, and refuses one that resolved meanwhile', async () => {
    const open = await seedAlert(world, 'open');
    const resolved = await seedAlert(world, 'resolved');
    const before = await pullAll('member');
    const results = await world.client('member').sync.push.mutate({
      workspace: 'acme',
      mutations: [
        { clientId: randomUUID(), kind: 'alert.acknowledge', args: { alertId: open, note: 'on it' } },
        { clientId: randomUUID(), kind: 'alert.acknowledge', args: { alertId: resolved } },
      ],
    });
    expect(results.map((r) => r.status)).toEqual(['applied', 'conflict']);
    expect(results[1]).toMatchObject({ reason: 'already_decided' });
    const after = await pullAll('member', before.cursor);
    const alert = after.changes.find((c) => c.table === 'alerts' && c.rowId === open);
    expect(alert?.row).toMatchObject({ ack_note: 'on it' });
    expect(after.changes.some((c) => c.rowId === resolved)).toBe(false);
  });
});
