import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { resolveAlert, seedAlert } from '@vigilo/tests/support/alerts';
import type { DesktopCore } from '../src/core/desktop-core.ts';
import { inbox, workspaceRow } from '../src/core/replica/queries.ts';
import { openCore, switchableNetwork, tempDir } from './support/core.ts';

let world: World;
const cleanups: Array<() => unknown> = [];
beforeAll(async () => {
  world = await createWorld();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await world?.close();
});

function core(
  who: string,
  opts: { dir?: string; pageSize?: number; network?: ReturnType<typeof switchableNetwork> } = {},
) {
  const tmp = opts.dir ? undefined : tempDir();
  const opened = openCore({
    dataDir: opts.dir ?? tmp!.dir,
    serverUrl: world.server.url,
    workspace: 'acme',
    token: world.tokens[who]!,
    ...(opts.pageSize ? { pageSize: opts.pageSize } : {}),
    ...(opts.network ? { fetch: opts.network.fetch } : {}),
  });
  cleanups.push(() => tmp?.cleanup());
  cleanups.push(() => opened.core.close());
  return opened;
}

const records = (c: DesktopCore, tbl: string) =>
  c.db
    .prepare<[string], { id: string }>('SELECT id FROM records WHERE tbl = ? ORDER BY id')
    .all(tbl)
    .map((r) => r.id);

describe('initial and incremental sync into a real SQLite replica', () => {
  it('pulls the workspace in pages, then only what changed, including deletions', async () => {
    const { core: c } = core('owner', { pageSize: 2 });
    await c.engine.syncNow();
    expect(c.engine.state()).toMatchObject({
      connection: 'online',
      workspace: { slug: 'acme', role: 'owner' },
    });
    expect(records(c, 'memberships')).toHaveLength(7);
    const cursor = c.store.meta.number('changes_cursor');

    await world.client('owner').members.remove.mutate({ workspace: 'acme', email: 'viewer@example.test' });
    await world.client('owner').workspace.update.mutate({ workspace: 'acme', name: 'Acme Incremental' });
    await c.engine.syncNow();
    expect(records(c, 'memberships')).toHaveLength(6);
    expect(workspaceRow(c.db)?.name).toBe('Acme Incremental');
    expect(c.store.meta.number('changes_cursor')).toBeGreaterThan(cursor);
    await world
      .client('owner')
      .members.add.mutate({ workspace: 'acme', email: 'viewer@example.test', role: 'viewer' });
    await world.client('viewer').workspace.mine.query(); // the invitee signs in again: a member
  });

  it('copies the audit log, verifies the chain locally and finds rows by text', async () => {
    const { core: c } = core('auditor');
    const { core: owner } = core('owner');
    await owner.engine.syncNow();
    expect(owner.audit.count()).toBe(
      (await world.client('owner').sync.audit.query({ workspace: 'acme', limit: 1 })).headSeq,
    );
    expect(await owner.audit.verify()).toMatchObject({ ok: true });
    expect(owner.audit.search({ text: 'member.added' }).length).toBeGreaterThanOrEqual(5);
    expect(owner.audit.search({ action: 'workspace.*' }).at(-1)?.action).toBe('workspace.created');
    // An auditor copies the log though it may not read the rest of the workspace.
    await c.engine.syncNow();
    expect(c.engine.state()).toMatchObject({ connection: 'online', workspace: { role: 'auditor' } });
    expect(c.audit.count()).toBe(owner.audit.count());
    // Its replica holds only what an auditor may read: no host, alert or membership row.
    expect(
      c.db
        .prepare(
          `SELECT count(*) AS n FROM records WHERE tbl IN ('hosts', 'alerts', 'memberships', 'changes')`,
        )
        .get(),
    ).toEqual({ n: 0 });
  });

  it("exports the same file as the server's audit export, cell for cell", async () => {
    const { core: c } = core('auditor');
    await c.engine.syncNow();
    const serverExport = async (query: string) => {
      const res = await fetch(`${world.server.url}/api/workspaces/acme/audit/export?${query}`, {
        headers: { authorization: `Bearer ${world.tokens.auditor}` },
      });
      return res.text();
    };
    const csv = c.audit.export({ action: 'member.added' }, 'csv');
    expect(csv.split('\n')[0]).toBe(
      'seq,occurredAt,actorType,actorId,action,targetType,targetId,summary,requestId,prevHash,hash',
    );
    expect(csv).toBe(await serverExport('format=csv&action=member.added'));
    expect(c.audit.export({ action: 'member.*' }, 'jsonl')).toBe(
      await serverExport('format=jsonl&action=member.*'),
    );
  });

  it('detects a row edited in the replica', async () => {
    const { core: c } = core('owner');
    await c.engine.syncNow();
    c.db.prepare('UPDATE audit_events SET summary = \'{"forged":true}\' WHERE seq = 2').run();
    expect(await c.audit.verify()).toMatchObject({ ok: false, broken: { seq: 2, reason: 'hash_mismatch' } });
  });

  it('resumes an interrupted sync from its cursor without duplicates or gaps', async () => {
    const network = switchableNetwork();
    let calls = 0;
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    // The fourth request (a middle page of the change log) is lost, as on a dropping Wi-Fi.
    const flaky = {
      online: true,
      fetch: ((input, init) =>
        ++calls === 4
          ? Promise.reject(new TypeError('fetch failed'))
          : network.fetch(input, init)) as typeof fetch,
    };
    const first = core('owner', { dir, pageSize: 3, network: flaky });
    await first.core.engine.syncNow();
    expect(first.core.engine.state().connection).toBe('offline');
    const partial = first.core.store.meta.number('changes_cursor');
    await first.core.close();
    cleanups.pop();
    const second = core('owner', { dir, pageSize: 3 });
    expect(second.core.store.meta.number('changes_cursor')).toBe(partial);
    await second.core.engine.syncNow();
    const fresh = core('owner', { pageSize: 1000 });
    await fresh.core.engine.syncNow();
    const dump = (c: DesktopCore) => c.db.prepare('SELECT tbl, id, data FROM records ORDER BY tbl, id').all();
    expect(dump(second.core)).toEqual(dump(fresh.core));
    expect(second.core.audit.count()).toBe(fresh.core.audit.count());
  });
});

describe('the outbox', () => {
  it('shows an offline acknowledgement at once and delivers it when the network returns', async () => {
    const alertId = await seedAlert(world, 'open');
    const network = switchableNetwork();
    const { core: c, events } = core('member', { network });
    await c.engine.syncNow();
    network.online = false;
    c.act({ kind: 'alert.acknowledge', args: { alertId, note: 'looking' } });
    await c.engine.syncNow();
    expect(c.engine.state()).toMatchObject({
      connection: 'offline',
      outboxDepth: 1,
      lastError: 'cannot reach the server',
    });
    expect(inbox(c.db, new Date()).find((i) => i.id === alertId)).toMatchObject({
      acknowledged: true,
      pending: true,
    });

    network.online = true;
    await c.engine.syncNow();
    expect(c.engine.state()).toMatchObject({ connection: 'online', outboxDepth: 0, conflicts: [] });
    expect(inbox(c.db, new Date()).find((i) => i.id === alertId)).toMatchObject({
      acknowledged: true,
      pending: false,
    });
    expect(c.store.row('alerts', alertId)).toMatchObject({ ack_note: 'looking' });
    expect(events.some((e) => e.type === 'changed' && e.tables.includes('alerts'))).toBe(true);
  });

  it('rolls back a refused action and explains it', async () => {
    const alertId = await seedAlert(world, 'open');
    const network = switchableNetwork();
    const { core: c } = core('member', { network });
    await c.engine.syncNow();
    network.online = false;
    c.act({ kind: 'alert.acknowledge', args: { alertId } });
    await resolveAlert(world, alertId); // the problem went away while we were offline
    network.online = true;
    await c.engine.syncNow();
    const state = c.engine.state();
    expect(state.outboxDepth).toBe(0);
    expect(state.conflicts).toEqual([
      expect.objectContaining({
        kind: 'alert.acknowledge',
        reason: 'already_decided',
        message: 'the alert resolved before your acknowledgement arrived',
      }),
    ]);
    expect(c.store.row('alerts', alertId)).toMatchObject({ state: 'resolved', acknowledged_at: null });
    expect(inbox(c.db, new Date()).some((i) => i.id === alertId)).toBe(false);
  });

  it('keeps later local actions on a row when an earlier one is refused', async () => {
    const { core: c } = core('admin');
    await c.engine.syncNow();
    const serverName = workspaceRow(c.db)!.name;
    await world.client('owner').workspace.update.mutate({ workspace: 'acme', name: 'Renamed Elsewhere' });
    c.store.outbox.enqueue({ kind: 'workspace.rename', args: { name: 'Mine' } });
    expect(workspaceRow(c.db)?.name).toBe('Mine');
    await c.engine.syncNow();
    expect(c.engine.state().conflicts[0]).toMatchObject({ reason: 'stale' });
    expect(c.engine.state().conflicts[0]?.message).toContain('Renamed Elsewhere');
    expect(workspaceRow(c.db)?.name).toBe('Renamed Elsewhere');
    expect(serverName).not.toBe('Renamed Elsewhere');
  });
});
