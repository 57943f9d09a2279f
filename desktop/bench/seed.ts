// Bench data written straight into the server's Postgres, set-based and in chunks: the rows a
// worker and the audit log would hold, made in seconds rather than through the API.
import type { PoolClient } from 'pg';
import type { World } from '@vigilo/tests/support/world';

/**
 * Rows per transaction. Each row's trigger (audit chain, change log) updates the workspace head
 * row; thousands of updates of one row inside one transaction walk an ever longer version chain,
 * so the chunks stay small.
 */
const CHUNK = 2000;

/** Runs `work` in one transaction with `world`'s workspace set for row-level security. */
async function inWorkspace<T>(world: World, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await world.server.services.db.owner.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT set_config('vigilo.workspace_id', $1, true)", [world.workspace.id]);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}

/** Runs `sql` once per chunk of `1..total` ($1 workspace, $2 and $3 the chunk's first and last index). */
async function inChunks(world: World, total: number, sql: string, params: unknown[] = []): Promise<void> {
  for (let start = 1; start <= total; start += CHUNK) {
    const end = Math.min(start + CHUNK - 1, total);
    await inWorkspace(world, (client) => client.query(sql, [world.workspace.id, start, end, ...params]));
  }
}

/** Appends `count` audit events (the server's trigger chains and hashes them). */
export function seedAuditRows(world: World, count: number): Promise<void> {
  return inChunks(
    world,
    count,
    `INSERT INTO audit_events (workspace_id, occurred_at, actor_type, actor_id, action, target_type, target_id, summary)
     SELECT $1, now(), 'system', 'bulk', 'host.scanned', 'host', 'h' || i, '{"grade":"A","i":' || i || '}'
     FROM generate_series($2::int, $3::int) AS i`,
  );
}

/**
 * Opens `count` alerts spread over `hosts` hosts and as many alert rules as that needs (an open
 * alert is unique per rule and host): alert i is on host i mod `hosts` under rule i div `hosts`.
 * Every row reaches the change log through the sync triggers. Severities and opening times vary
 * so the inbox's order has work to do.
 */
export async function seedAlerts(world: World, count: number, hosts: number): Promise<void> {
  const hostCount = Math.min(hosts, count);
  const ruleCount = Math.ceil(count / hostCount);
  await inChunks(
    world,
    ruleCount,
    `INSERT INTO alert_rules (workspace_id, name, predicate, scope, severity)
     SELECT $1, 'bench rule ' || (i - 1), '{"kind":"expires_within","days":14}', '{"kind":"all"}', 'critical'
     FROM generate_series($2::int, $3::int) AS i`,
  );
  await inChunks(
    world,
    hostCount,
    `INSERT INTO hosts (workspace_id, hostname, port, interval_s)
     SELECT $1, 'bench-' || (i - 1) || '.example.test', 443, 3600 FROM generate_series($2::int, $3::int) AS i`,
  );
  await inChunks(
    world,
    count,
    `INSERT INTO alerts (workspace_id, rule_id, host_id, severity, summary, state, opened_at)
     SELECT $1, r.id, h.id, (ARRAY['critical', 'warning', 'info'])[1 + i % 3],
            'certificate expires in ' || (1 + i % 14) || ' days', 'open', now() - make_interval(secs => i)
     FROM generate_series($2::int - 1, $3::int - 1) AS i
     JOIN hosts h ON h.workspace_id = $1 AND h.hostname = 'bench-' || (i % $4) || '.example.test' AND h.port = 443
     JOIN alert_rules r ON r.workspace_id = $1 AND r.name = 'bench rule ' || (i / $4)`,
    [hostCount],
  );
}
