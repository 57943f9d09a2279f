import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '@vigilo/tests/support/world';
import type { DesktopCore } from '../src/core/desktop-core.ts';
import { logFileOf } from '../src/core/log.ts';
import { classifyFailure } from '../src/core/sync/failure.ts';
import { openCore, tempDir } from './support/core.ts';

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

/** A core in a fresh home, logging to that home's file, recording the retries it schedules. */
async function syncedCore(): Promise<{ core: DesktopCore; home: string; retries: number[] }> {
  const tmp = tempDir();
  const retries: number[] = [];
  const { core } = openCore({
    dataDir: tmp.dir,
    serverUrl: world.server.url,
    workspace: 'acme',
    token: world.tokens.owner!,
    schedule: (_fn, ms) => {
      retries.push(ms);
      return () => undefined;
    },
  });
  cleanups.push(() => tmp.cleanup());
  cleanups.push(() => core.close());
  await core.engine.syncNow();
  expect(core.engine.state()).toMatchObject({ connection: 'online', failure: undefined });
  return { core, home: tmp.dir, retries };
}

type LogLine = {
  level: number;
  msg: string;
  failure?: string;
  err?: { type: string; message: string; stack: string };
};
const logLines = (home: string): LogLine[] =>
  existsSync(logFileOf(home))
    ? readFileSync(logFileOf(home), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as LogLine)
    : [];

describe('the sync engine tells a bug from an outage', () => {
  it('stops on a replica constraint violation, says it is an error in Vigilo, and logs its cause', async () => {
    const { core, home, retries } = await syncedCore();
    // The replica refuses the next server row, as a broken migration or constraint would.
    core.db.exec(
      "CREATE TRIGGER refuse BEFORE INSERT ON records BEGIN SELECT RAISE(ABORT, 'the replica refuses this row'); END",
    );
    await world.client('owner').workspace.update.mutate({ workspace: 'acme', name: 'Acme Bug' });
    await core.engine.syncNow();

    const state = core.engine.state();
    expect(state).toMatchObject({ connection: 'error', failure: 'bug' });
    expect(state.lastError).toBe(
      `sync stopped by an error in Vigilo: SqliteError: the replica refuses this row; see ${logFileOf(home)}`,
    );
    expect(retries).toEqual([]); // the same bug would come back on every retry
    const [line, ...more] = logLines(home);
    expect(more).toEqual([]);
    expect(line).toMatchObject({ level: 50, failure: 'bug', err: { type: 'SqliteError' } });
    expect(line?.err?.message).toContain('the replica refuses this row');
    expect(line?.err?.stack).toContain('applyServerPage');

    // Fixed, the next pass (here "Sync now") catches up and says so in the log.
    core.db.exec('DROP TRIGGER refuse');
    await core.engine.syncNow();
    expect(core.engine.state()).toMatchObject({
      connection: 'online',
      failure: undefined,
      lastError: undefined,
    });
    expect(logLines(home).at(-1)).toMatchObject({ level: 30, msg: 'sync is back' });
  });

  it('stops on an outbox entry that breaks the shared contract (a replica from a newer version)', async () => {
    const { core, home } = await syncedCore();
    core.db
      .prepare(
        "INSERT INTO outbox (client_id, kind, args, tbl, row_id, created_at) VALUES (?, 'change.approve', '{}', 'changes', 'c1', ?)",
      )
      .run(randomUUID(), new Date().toISOString());
    await core.engine.syncNow();
    expect(core.engine.state()).toMatchObject({ connection: 'error', failure: 'bug' });
    expect(core.engine.state().lastError).toMatch(
      /^sync stopped by an error in Vigilo: unexpected data: kind: Invalid discriminator value\. Expected 'alert\.acknowledge'/,
    );
    expect(logLines(home)).toEqual([
      expect.objectContaining({ level: 50, err: expect.objectContaining({ type: 'ZodError' }) }),
    ]);
  });

  it('reads a stopped server as an outage: offline, retried, logged once as a warning', async () => {
    const { core, home, retries } = await syncedCore();
    await world.server.stop();
    await core.engine.syncNow();
    await core.engine.syncNow();
    expect(core.engine.state()).toMatchObject({
      connection: 'offline',
      failure: 'offline',
      lastError: 'cannot reach the server',
    });
    expect(retries.length).toBeGreaterThan(0);
    expect(logLines(home)).toEqual([expect.objectContaining({ level: 40, failure: 'offline' })]);
    // The socket the server closed, then the refused connection: one outage, one line, with its cause.
    expect(logLines(home)[0]?.err?.message).toMatch(/fetch failed/);
  });
});

describe('classifyFailure', () => {
  it('takes fetch’s network TypeError and a timeout for an outage, any other TypeError for a bug', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    expect(classifyFailure(new TypeError('fetch failed', { cause: refused })).kind).toBe('offline');
    expect(classifyFailure(new DOMException('timed out', 'TimeoutError')).kind).toBe('offline');
    expect(classifyFailure(new TypeError("Cannot read properties of undefined (reading 'id')"))).toEqual({
      kind: 'bug',
      message: "TypeError: Cannot read properties of undefined (reading 'id')",
    });
  });
});
