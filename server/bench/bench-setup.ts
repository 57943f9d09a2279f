/**
 * The world `npm run bench:ingest` measures: one workspace, one agent with its credential,
 * BENCH_HOSTS hosts assigned to it, and two alert rules over all of them (an expiry rule some
 * hosts fire, a grade rule none do), made as an admin would have made them.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type pg from 'pg';
import { mintToken } from '../src/platform/api-token-format.ts';

export type BenchWorld = {
  workspaceId: string;
  token: string;
  hosts: Array<{ id: string; hostname: string }>;
  secretKey: string;
};

export async function seed(db: pg.Pool, hostCount: number): Promise<BenchWorld> {
  const ws = (
    await db.query<{ id: string }>(
      "INSERT INTO workspaces (slug, name) VALUES ('bench', 'Bench') RETURNING id",
    )
  ).rows[0]!.id;
  const cred = mintToken(ws, 'vga');
  const setup = await db.connect();
  try {
    await setup.query('BEGIN');
    await setup.query("SELECT set_config('vigilo.workspace_id', $1, true)", [ws]);
    const agentId = (
      await setup.query<{ id: string }>(
        "INSERT INTO agents (workspace_id, name, token_hash) VALUES ($1, 'bench', $2) RETURNING id",
        [ws, cred.hash],
      )
    ).rows[0]!.id;
    const hosts = await setup.query<{ id: string; hostname: string }>(
      `INSERT INTO hosts (workspace_id, hostname, port, interval_s, agent_id)
       SELECT $1, 'h' || g || '.bench.internal', 443, 300, $2 FROM generate_series(0, $3 - 1) g
       RETURNING id, hostname`,
      [ws, agentId, hostCount],
    );
    await setup.query(
      `INSERT INTO alert_rules (workspace_id, name, predicate, scope, severity) VALUES
         ($1, 'expiring', '{"kind":"expires_within","days":30}', '{"kind":"all"}', 'warning'),
         ($1, 'grade', '{"kind":"grade_below","grade":"B"}', '{"kind":"all"}', 'critical')`,
      [ws],
    );
    await setup.query('COMMIT');
    return {
      workspaceId: ws,
      token: cred.token,
      hosts: hosts.rows,
      secretKey: randomBytes(32).toString('base64'),
    };
  } finally {
    setup.release();
  }
}

/** Snapshots stored (all, or received between two instants: a transaction's start time). */
export async function countStored(db: pg.Pool, from?: Date, to?: Date): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM snapshots ${from && to ? 'WHERE received_at >= $1 AND received_at < $2' : ''}`,
    from && to ? [from, to] : [],
  );
  return rows[0]!.n;
}

/** Acknowledged ids that are not stored, in chunks (one workspace: its key leads the index). */
export async function countLost(db: pg.Pool, workspaceId: string, ids: string[]): Promise<number> {
  let lost = 0;
  for (let i = 0; i < ids.length; i += 50_000) {
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM unnest($1::uuid[]) AS a(id)
       WHERE NOT EXISTS (SELECT 1 FROM snapshots s WHERE s.workspace_id = $2 AND s.id = a.id)`,
      [ids.slice(i, i + 50_000), workspaceId],
    );
    lost += rows[0]!.n;
  }
  return lost;
}

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
