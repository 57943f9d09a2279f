import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { openCore, tempDir } from './support/core.ts';

const ROWS = 100_000;
let world: World;
beforeAll(async () => {
  world = await createWorld();
  // Bulk audit history written by the database's own append trigger (real seqs and hashes), in
  // many short transactions: each append updates the workspace head row, and thousands of
  // updates of one row inside a single transaction slow down quadratically.
  const client = await world.server.services.db.owner.connect();
  try {
    for (let start = 1; start <= ROWS; start += 2000) {
      await client.query('BEGIN');
      await client.query("SELECT set_config('vigilo.workspace_id', $1, true)", [world.workspace.id]);
      await client.query(
        `INSERT INTO audit_events (workspace_id, occurred_at, actor_type, actor_id, action, target_type, target_id, summary)
         SELECT $1, now(), 'system', 'bulk', 'host.scanned', 'host', 'h' || i, '{"i":' || i || '}'
         FROM generate_series($2::int, $3::int) AS i`,
        [world.workspace.id, start, Math.min(start + 1999, ROWS)],
      );
      await client.query('COMMIT');
    }
  } finally {
    client.release();
  }
}, 300_000);
afterAll(async () => {
  await world?.close();
});

describe('initial sync of a large workspace', () => {
  it(`copies ${ROWS.toLocaleString('en')} audit rows, verifies them and searches them`, async () => {
    const { dir, cleanup } = tempDir();
    const { core } = openCore({
      dataDir: dir,
      serverUrl: world.server.url,
      workspace: 'acme',
      token: world.tokens.owner!,
      pageSize: 5000,
    });
    try {
      await core.engine.syncNow();
      expect(core.engine.state().connection).toBe('online');
      expect(core.audit.count()).toBeGreaterThan(ROWS);
      expect(await core.audit.verify()).toMatchObject({ ok: true });
      expect(core.audit.search({ text: 'h42424' })).toHaveLength(1);
    } finally {
      await core.close();
      cleanup();
    }
  }, 240_000);
});
