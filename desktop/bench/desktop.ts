// npm run bench -w @vigilo/desktop: prints numbers, the last line one JSON object.
// Initial sync of 100k audit rows from a real server (real Postgres), replica size, local audit
// text search p95 over 1M rows, and the first screen's data from a cold start of the core on a
// warm replica. No assertions: BENCHMARKS.md records what this prints.
import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createWorld } from '../../server/test/support/world.ts';
import { DesktopCore, replicaFile } from '../src/core/desktop-core.ts';
import { inbox } from '../src/core/replica/queries.ts';
import { tempDir } from '../test/support/core.ts';

const AUDIT_ROWS = Number(process.env.BENCH_AUDIT_ROWS ?? 100_000);
const LOCAL_ROWS = Number(process.env.BENCH_LOCAL_ROWS ?? 1_000_000);
const say = (line: string) => process.stdout.write(`${line}\n`);

const world = await createWorld();
const { dir, cleanup } = tempDir('vigilo-bench-');
try {
  const client = await world.server.services.db.owner.connect();
  for (let start = 1; start <= AUDIT_ROWS; start += 2000) {
    await client.query('BEGIN');
    await client.query("SELECT set_config('vigilo.workspace_id', $1, true)", [world.workspace.id]);
    await client.query(
      `INSERT INTO audit_events (workspace_id, occurred_at, actor_type, actor_id, action, target_type, target_id, summary)
       SELECT $1, now(), 'system', 'bulk', 'host.scanned', 'host', 'h' || i, '{"grade":"A","i":' || i || '}'
       FROM generate_series($2::int, $3::int) AS i`,
      [world.workspace.id, start, Math.min(start + 1999, AUDIT_ROWS)],
    );
    await client.query('COMMIT');
  }
  client.release();
  say(`seeded ${AUDIT_ROWS} audit rows`);

  const opts = {
    dataDir: dir,
    serverUrl: world.server.url,
    workspace: 'acme',
    token: () => Promise.resolve(world.tokens.owner),
    pageSize: 5000,
  };
  let core = new DesktopCore(opts);
  let t0 = performance.now();
  await core.engine.syncNow();
  const initialSync = (performance.now() - t0) / 1000;
  await core.close();
  const file = replicaFile(dir, world.server.url, 'acme');
  const replicaMb = statSync(file).size / 1e6;
  say(`initial sync ${initialSync.toFixed(2)} s, replica ${replicaMb.toFixed(1)} MB`);

  t0 = performance.now();
  core = new DesktopCore(opts);
  inbox(core.db, new Date());
  core.engine.state();
  core.audit.search({ limit: 200 });
  const firstScreen = performance.now() - t0;
  say(`first screen data ${firstScreen.toFixed(1)} ms`);

  // Grow the local log to LOCAL_ROWS (synthetic rows past the server's; search does not verify).
  const insert = core.db.prepare(
    `INSERT INTO audit_events (seq, workspace_id, occurred_at, actor_type, actor_id, action, target_type, target_id, summary, hash)
     VALUES (?, 'w', '2026-01-01T00:00:00.000Z', 'user', ?, ?, 'host', ?, ?, 'x')`,
  );
  const actions = ['host.scanned', 'alert.opened', 'member.added', 'change.approved'];
  const base = core.audit.maxSeq();
  core.db.transaction(() => {
    for (let i = 1; base + i <= LOCAL_ROWS; i++)
      insert.run(
        base + i,
        `user-${i % 97}`,
        actions[i % 4],
        `web-${i}.example.com`,
        `{"note":"rotation ${i % 1013}"}`,
      );
  })();
  const terms = Array.from(
    { length: 200 },
    (_, i) => [`web-${(i * 7919) % LOCAL_ROWS}`, `rotation ${i}`, 'alert.opened'][i % 3]!,
  );
  const times = terms.map((text) => {
    const s = performance.now();
    core.audit.search({ text, limit: 200 });
    return performance.now() - s;
  });
  times.sort((a, b) => a - b);
  const p95 = times[Math.floor(times.length * 0.95)]!;
  say(`audit search over ${core.audit.count()} rows: p95 ${p95.toFixed(1)} ms`);
  await core.close();
  say(
    JSON.stringify({
      initial_sync_s: Number(initialSync.toFixed(2)),
      replica_mb: Number(replicaMb.toFixed(1)),
      audit_search_p95_ms: Number(p95.toFixed(1)),
      first_screen_ms: Number(firstScreen.toFixed(1)),
      audit_rows_synced: AUDIT_ROWS,
      local_rows_searched: LOCAL_ROWS,
    }),
  );
} finally {
  cleanup();
  await world.close();
}
