import { randomUUID } from 'node:crypto';
import type { PushEntryInput } from '@vigilo/shared/outbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outcome } from '@vigilo/tests/support/client';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { seedAlert } from '@vigilo/tests/support/alerts';

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => {
  await world?.close();
});

const push = (who: string, kind: string, args: Record<string, unknown>, clientId = randomUUID()) =>
  world
    .client(who)
    // Raw entries, some outside the contract on purpose: the server answers each one itself.
    .sync.push.mutate({ workspace: 'acme', mutations: [{ clientId, kind, args } as PushEntryInput] })
    .then((r) => r[0]!);

async function alertRow(id: string) {
  const { rows } = await world.server.services.db.owner.query<{
    state: string;
    acknowledged_by: string | null;
    host_id: string;
    rule_id: string;
  }>('SELECT state, acknowledged_by, host_id, rule_id FROM alerts WHERE id = $1', [id]);
  return rows[0]!;
}

const auditCount = async (action: string, targetId: string) => {
  const { rows } = await world
    .client('owner')
    .audit.list.query({ workspace: 'acme', filter: { action, targetId } });
  return rows.length;
};

describe('alert actions through sync.push and the alerts procedures', () => {
  it('snoozes the rule on the alert’s host, once per client id, with its audit row', async () => {
    const id = await seedAlert(world, 'open');
    const clientId = randomUUID();
    const first = await push('member', 'alert.snooze', { alertId: id, duration: '1d' }, clientId);
    const again = await push('member', 'alert.snooze', { alertId: id, duration: '1d' }, clientId);
    expect(first).toMatchObject({ status: 'applied', replayed: false });
    expect(again).toMatchObject({ status: 'applied', replayed: true });
    const alert = await alertRow(id);
    const { rows } = await world.server.services.db.owner.query<{ until: Date }>(
      'SELECT until FROM snoozes WHERE host_id = $1 AND rule_id = $2',
      [alert.host_id, alert.rule_id],
    );
    expect(rows).toHaveLength(1);
    const hours = (rows[0]!.until.getTime() - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23);
    expect(hours).toBeLessThanOrEqual(24);
  });

  it('refuses a snooze of a resolved alert and a bad duration, naming the field', async () => {
    const resolved = await seedAlert(world, 'resolved');
    expect(await push('member', 'alert.snooze', { alertId: resolved, duration: '1h' })).toMatchObject({
      status: 'conflict',
      reason: 'already_decided',
    });
    const open = await seedAlert(world, 'open');
    const bad = await push('member', 'alert.snooze', { alertId: open, duration: '3y' });
    expect(bad).toMatchObject({ status: 'conflict', reason: 'invalid' });
    expect(bad.status === 'conflict' && bad.message).toMatch(/^duration: /);
  });

  it('refuses a snooze of another workspace’s host or a made-up rule, naming the field', async () => {
    const { rows } = await world.server.services.db.owner.query<{ id: string }>(
      `INSERT INTO hosts (workspace_id, hostname, port, interval_s) VALUES ($1, 'theirs.example.test', 443, 3600) RETURNING id`,
      [world.other.id],
    );
    const theirs = rows[0]!.id;
    const snooze = (args: { hostId?: string; ruleId?: string }) =>
      world.client('member').alerts.snooze.mutate({ workspace: 'acme', duration: '1h', ...args });
    await expect(snooze({ hostId: theirs })).rejects.toMatchObject({
      message: 'hostId: no such host in this workspace',
      data: { code: 'NOT_FOUND' },
    });
    await expect(snooze({ ruleId: randomUUID() })).rejects.toMatchObject({
      message: 'ruleId: no such alert rule in this workspace',
      data: { code: 'NOT_FOUND' },
    });
    const left = await world.server.services.db.owner.query('SELECT 1 FROM snoozes WHERE host_id = $1', [
      theirs,
    ]);
    expect(left.rowCount).toBe(0);
  });

  it('resolves by hand once; a second resolve is a conflict; viewers may not', async () => {
    const id = await seedAlert(world, 'open');
    expect(await push('viewer', 'alert.resolve', { alertId: id })).toMatchObject({
      status: 'conflict',
      reason: 'forbidden',
    });
    expect((await alertRow(id)).state).toBe('open');
    expect(await push('member', 'alert.resolve', { alertId: id, note: 'renewed by hand' })).toMatchObject({
      status: 'applied',
    });
    expect((await alertRow(id)).state).toBe('resolved');
    expect(await auditCount('alert.resolved', id)).toBe(1);
    const second = await outcome(() =>
      world.client('owner').alerts.resolve.mutate({ workspace: 'acme', id }),
    );
    expect(second).toBe('CONFLICT');
    expect(await auditCount('alert.resolved', id)).toBe(1);
  });

  it('keeps one comment per comment id, and refuses the id reused for another alert', async () => {
    const id = await seedAlert(world, 'open');
    const other = await seedAlert(world, 'open');
    const commentId = randomUUID();
    expect(
      await push('member', 'alert.comment', { alertId: id, commentId, body: ' looking ' }),
    ).toMatchObject({ status: 'applied' });
    // The same comment from another client id (the API door) is the same comment.
    await world.client('member').alerts.comment.mutate({ workspace: 'acme', id, commentId, body: 'looking' });
    const comments = await world.client('viewer').alerts.comments.query({ workspace: 'acme', id });
    expect(comments.map((c) => c.body)).toEqual(['looking']);
    expect(comments[0]!.author).toMatch(/^user:/);
    expect(await auditCount('alert.commented', id)).toBe(1);
    expect(
      await push('member', 'alert.comment', { alertId: other, commentId, body: 'elsewhere' }),
    ).toMatchObject({ status: 'conflict', reason: 'invalid' });
    expect(
      await push('member', 'alert.comment', { alertId: id, commentId: randomUUID(), body: '  ' }),
    ).toMatchObject({ status: 'conflict', reason: 'invalid', message: 'body: body must not be empty' });
  });

  it('replicates comments to desktops through the change log', async () => {
    const id = await seedAlert(world, 'open');
    const commentId = randomUUID();
    const before = await world.client('viewer').sync.pull.query({ workspace: 'acme', cursor: 0, limit: 1 });
    expect(before.tables).toContain('comments');
    await push('member', 'alert.comment', { alertId: id, commentId, body: 'on it' });
    let cursor = 0;
    let found: unknown;
    for (;;) {
      const page = await world.client('viewer').sync.pull.query({ workspace: 'acme', cursor, limit: 1000 });
      found ??= page.changes.find((c) => c.table === 'comments' && c.rowId === commentId)?.row;
      cursor = page.cursor;
      if (!page.more) break;
    }
    expect(found).toMatchObject({ target_id: id, body: 'on it', target_type: 'alert' });
  });

  it('acknowledges the same way through both doors: the second actor gets a conflict', async () => {
    const id = await seedAlert(world, 'open');
    await world.client('member').alerts.acknowledge.mutate({ workspace: 'acme', id });
    // The same actor again is harmless (a retried request), with no second audit row.
    await world.client('member').alerts.acknowledge.mutate({ workspace: 'acme', id });
    expect(await auditCount('alert.acknowledged', id)).toBe(1);
    expect((await alertRow(id)).acknowledged_by).toMatch(/^user:/);
    expect(await push('owner', 'alert.acknowledge', { alertId: id })).toMatchObject({
      status: 'conflict',
      reason: 'already_decided',
      message: 'someone else acknowledged the alert first',
    });
  });
});
