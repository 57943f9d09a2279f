/**
 * Floors for `npm run bench:ingest`, measured in the same run on the same servers just before
 * the load: what the bare storage steps do at most on this machine right now, so the pipeline's
 * rate can be read against them rather than against a number from a quieter day.
 * - insert: `INSERT … SELECT` from a JSON parameter of 2,000 snapshot rows (the writer's shape,
 *   2 KB json bodies, lz4 where the snapshots table has it) into a table with the snapshots table's keys,
 *   one transaction each;
 * - xadd: appending batch-sized entries (the agents' gzip bodies) to a Redis stream, 16 in flight.
 */
import { gzipSync } from 'node:zlib';
import type { Snapshot } from '@vigilo/shared/snapshot';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Fleet } from './bench-templates.ts';

/** Rows per second of the bare insert over `seconds`. */
export async function insertFloor(db: pg.Pool, fleet: Fleet, workspaceId: string, seconds: number) {
  const { json } = fleet.batch(0, 2000, Date.now());
  const rows = (JSON.parse(json) as Snapshot[]).map((s) => ({
    scanned_at: s.scanned_at,
    host_id: s.target.host_id,
    reachable: s.reachability.state === 'reachable',
    grade: s.grade?.grade ?? null,
    not_after: s.tls?.chain[0]?.not_after ?? null,
    fingerprint: s.tls?.chain[0]?.fingerprint_sha256 ?? null,
    handshake_ms: s.latency.tls_ms,
    body: s,
  }));
  const param = JSON.stringify(rows);
  await db.query(
    'CREATE TABLE bench_floor (LIKE snapshots INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING COMPRESSION)',
  );
  let stored = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    // Fresh ids in SQL, so one parameter serves every round.
    const res = await db.query(
      `INSERT INTO bench_floor (id, scanned_at, workspace_id, host_id, agent_id, reachable, grade, not_after, fingerprint, handshake_ms, body)
       SELECT gen_random_uuid(), x.scanned_at, $2, x.host_id, $2, x.reachable, x.grade, x.not_after, x.fingerprint, x.handshake_ms, x.body
       FROM json_to_recordset($1::json) AS x(scanned_at timestamptz, host_id uuid, reachable boolean, grade text,
         not_after timestamptz, fingerprint text, handshake_ms real, body json)`,
      [param, workspaceId],
    );
    stored += res.rowCount ?? 0;
  }
  const rate = stored / ((performance.now() - started) / 1000);
  await db.query('DROP TABLE bench_floor');
  return Math.round(rate);
}

/** Stream entries per second of bare XADDs of one batch's gzip body, over `seconds`. */
export async function xaddFloor(redis: Redis, fleet: Fleet, batchSize: number, seconds: number) {
  const { json, ids } = fleet.batch(0, batchSize, Date.now());
  const body = gzipSync(`{"batch_id":"${ids[0]}","snapshots":${json},"losses":[]}`);
  const key = 'bench:floor';
  let appended = 0;
  const started = performance.now();
  const one = async () => {
    while (performance.now() - started < seconds * 1000) {
      await redis.xadd(key, '*', 'meta', '{}', 'enc', 'gzip', 'body', body);
      appended += 1;
    }
  };
  await Promise.all(Array.from({ length: 16 }, one));
  const rate = appended / ((performance.now() - started) / 1000);
  await redis.del(key);
  return Math.round(rate);
}
