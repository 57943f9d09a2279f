import pg from 'pg';
import { createMigratedDatabase } from '@vigilo/tests/support/database';
import { TEST_DATABASE_URL } from '@vigilo/tests/support/env';
import { waitFor } from '@vigilo/tests/support/processes';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../src/db/pool.ts';
import { withOwnerTx, withWorkspace } from '../../src/db/tx.ts';
import { type BusEvent, createMemoryBus } from '../../src/events/bus.ts';
import { type Dispatcher, startDispatcher } from '../../src/events/dispatcher.ts';
import type { ReconnectBackoff } from '../../src/events/leader-session.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createWorkspace } from '../../src/workspaces/create.ts';

/**
 * The dispatcher's LISTEN session and leader lock die with their database session (a Postgres
 * restart; here pg_terminate_backend, which is what a restart does to each session). The
 * dispatchers here poll once an hour, so an event that arrives at all arrived through a session
 * that was opened again: a dispatcher that never reopened it would leave the test waiting until
 * its timeout.
 */
const HOUR = 3_600_000;
const ctx = { actor: { type: 'system' as const, id: 'test' }, requestId: undefined };

let db: Awaited<ReturnType<typeof createMigratedDatabase>>;
let workspaceId: string;
const pools: pg.Pool[] = [];
const running: Dispatcher[] = [];

beforeAll(async () => {
  db = await createMigratedDatabase('dispatch');
  const { rows } = await db.pool.query<{ id: string }>(
    "INSERT INTO users (issuer, subject, email) VALUES ('test', 'owner', 'owner@example.test') RETURNING id",
  );
  workspaceId = (
    await withOwnerTx(db.pool, (client) =>
      createWorkspace(client, { slug: 'acme', name: 'Acme', ownerUserId: rows[0]!.id }, ctx),
    )
  ).id;
});
afterEach(async () => {
  for (const d of running.splice(0)) await d.stop();
});
afterAll(async () => {
  for (const p of pools) await p.end();
  await db?.close();
});

/** Commits one event, as any state change does; returns its seq. */
async function commitEvent(name: string): Promise<number> {
  return withWorkspace(db.pool, workspaceId, ctx, async (tx) => {
    await tx.observe('workspace.updated', { name });
    const { rows } = await tx.query<{ seq: number }>(
      'SELECT max(seq)::int AS seq FROM events WHERE workspace_id = $1',
      [workspaceId],
    );
    return rows[0]!.seq;
  });
}

type LogLine = { level: number; msg: string };
const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;

/** A dispatcher on a pool of its own (named, so its sessions can be found), with its own bus. */
function dispatcher(name: string, opts: { reconnect?: ReconnectBackoff } = {}) {
  const lines: LogLine[] = [];
  const log = createLogger('debug', { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  const pool = createPool(db.database.url, 3, `vigilo-test-${name}:system`);
  pools.push(pool);
  const bus = createMemoryBus();
  const got: BusEvent[] = [];
  const waiting = new Map<number, () => void>();
  void (async () => {
    for await (const event of bus.subscribe(workspaceId, new AbortController().signal)) {
      got.push(event);
      waiting.get(event.seq)?.();
    }
  })();
  const d = startDispatcher({ owner: pool, bus, log, pollMs: HOUR, ...opts });
  running.push(d);
  return {
    name,
    d,
    got,
    /** Resolves once the event `seq` was published on this dispatcher's bus. */
    arrived: (seq: number) =>
      got.some((e) => e.seq === seq)
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiting.set(seq, resolve)),
    logged: (level: keyof typeof LEVEL) => lines.filter((l) => l.level === LEVEL[level]).map((l) => l.msg),
  };
}

/** The sessions holding an advisory lock in this database: the dispatchers' leader lock. */
async function lockHolders(): Promise<Array<{ pid: number; app: string }>> {
  const { rows } = await db.pool.query<{ pid: number; app: string }>(
    `SELECT l.pid, a.application_name AS app FROM pg_locks l JOIN pg_stat_activity a USING (pid)
     WHERE l.locktype = 'advisory' AND l.granted
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  return rows;
}

/** The one lock holder, once there is exactly one and it is not `notPid`. */
async function newHolder(notPid?: number) {
  const holders = await lockHolders();
  return holders.length === 1 && holders[0]!.pid !== notPid ? holders[0] : undefined;
}

/** Ends sessions as a restart does, and waits until they are gone. */
async function terminate(where: string, value: string | number) {
  const { rows } = await db.pool.query<{ ok: boolean }>(
    `SELECT pg_terminate_backend(pid, 5000) AS ok FROM pg_stat_activity
     WHERE datname = current_database() AND ${where}`,
    [value],
  );
  expect(rows.length).toBeGreaterThan(0);
  expect(rows.every((r) => r.ok)).toBe(true);
}

const seqsFrom = (events: BusEvent[], from: number) => events.map((e) => e.seq).filter((s) => s >= from);

describe('the dispatcher after its database session dies', () => {
  it('opens a new session, LISTENs and leads again, and hears events by NOTIFY', async () => {
    const one = dispatcher('a');
    const first = await waitFor('a leader', () => newHolder(), 10_000);
    // The session is named after its pool, so operators can tell it apart.
    expect(first.app).toBe('vigilo-test-a:system:dispatcher');
    const before = await commitEvent('before');
    await one.arrived(before);

    await terminate('pid = $1', first.pid);
    const second = await waitFor('the lock held by a new session', () => newHolder(first.pid), 10_000);
    expect(second.app).toBe(first.app);
    // Taken up either by the catch-up on leading again or by NOTIFY: the session is back.
    const after = await commitEvent('after');
    await one.arrived(after);
    // Committed once that pass is over: only the NOTIFY on the new session can bring it.
    const notified = await commitEvent('notified');
    await one.arrived(notified);

    expect(one.d.isLeader()).toBe(true);
    await one.d.stop();
    expect(seqsFrom(one.got, before)).toEqual([before, after, notified]);
    expect(new Set(one.got.map((e) => e.seq)).size).toBe(one.got.length);
    // One line for the outage, at warn; none at error.
    expect(one.logged('warn')).toEqual([
      'dispatcher: lost its database session and the leadership; reconnecting',
    ]);
    expect(one.logged('error')).toEqual([]);
    expect(one.logged('info')).toContain('dispatcher: database session open again');
  });

  it('with two dispatchers, one leads after the leader’s session dies, and each event is published once', async () => {
    const both = [dispatcher('b1'), dispatcher('b2')];
    const first = await waitFor('a leader', () => newHolder(), 10_000);
    await waitFor(
      'one dispatcher knowing it leads',
      () => both.some((x) => x.d.isLeader()) || undefined,
      10_000,
    );
    expect(both.filter((x) => x.d.isLeader())).toHaveLength(1);

    await terminate('pid = $1', first.pid);
    // Committed at once: the other dispatcher hears it and takes the lock, or the old leader takes
    // it back after reopening its session and catches up. Either way it is published once.
    const during = await commitEvent('during');
    await Promise.race(both.map((x) => x.arrived(during)));
    const holder = await waitFor('the lock held by a new session', () => newHolder(first.pid), 10_000);
    const after = await commitEvent('after');
    await Promise.race(both.map((x) => x.arrived(after)));

    const leaders = both.filter((x) => x.d.isLeader());
    expect(leaders).toHaveLength(1);
    expect(holder.app).toBe(`vigilo-test-${leaders[0]!.name}:system:dispatcher`);
    expect(await lockHolders()).toHaveLength(1);
    // Stopped, nothing is in flight: what the buses got is all they will ever get.
    for (const x of both) await x.d.stop();
    const published = both.flatMap((x) => seqsFrom(x.got, during));
    expect(published.sort((p, q) => p - q)).toEqual([during, after]);
  });

  it('logs an outage once while its tries to reconnect fail, and leads again when the database lets it in', async () => {
    const c = dispatcher('c', { reconnect: { firstMs: 20, maxMs: 100 } });
    await waitFor('c leading', () => c.d.isLeader() || undefined, 10_000);
    // Once it dispatched, its pool holds idle sessions besides the LISTEN one, as a server's does.
    await c.arrived(await commitEvent('before'));
    // Sent from another database: Postgres refuses to shut the current one.
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    const allow = (yes: boolean) =>
      admin.query(`ALTER DATABASE ${db.database.name} WITH ALLOW_CONNECTIONS ${String(yes)}`);
    await allow(false);
    try {
      // Its pool's idle sessions first, as a restart ends them all: otherwise the pool would lend
      // one of them, still alive, to the reconnect, and the outage would be two.
      await terminate('application_name = $1', 'vigilo-test-c:system');
      await terminate('application_name = $1', 'vigilo-test-c:system:dispatcher');
      await waitFor(
        'three failed tries',
        () =>
          c.logged('debug').filter((m) => m === 'dispatcher: still no database session').length >= 3 ||
          undefined,
        10_000,
        20,
      );
      expect(c.d.isLeader()).toBe(false);
    } finally {
      await allow(true);
      await admin.end();
    }
    await waitFor('c leading again', () => c.d.isLeader() || undefined, 10_000, 20);
    const seq = await commitEvent('back');
    await c.arrived(seq);
    await c.d.stop();
    expect(c.logged('warn')).toEqual([
      'dispatcher: lost its database session and the leadership; reconnecting',
    ]);
    expect(c.logged('error')).toEqual([]);
  });
});
