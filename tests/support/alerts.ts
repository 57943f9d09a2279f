import type { World } from './world.ts';

let n = 0;

/**
 * Seeds a host, a rule and one alert in `acme` straight into Postgres (the monitoring routers
 * that open alerts arrive separately; the rows are what a worker would write). Returns its id.
 */
export async function seedAlert(
  world: World,
  state: 'open' | 'resolved',
  severity = 'critical',
): Promise<string> {
  const db = world.server.services.db.owner;
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT set_config('vigilo.workspace_id', $1, true)", [world.workspace.id]);
    n += 1;
    const host = await client.query<{ id: string }>(
      'INSERT INTO hosts (workspace_id, hostname, port, interval_s) VALUES ($1, $2, 443, 3600) RETURNING id',
      [world.workspace.id, `host-${n}-${Date.now()}.example.test`],
    );
    const rule = await client.query<{ id: string }>(
      `INSERT INTO alert_rules (workspace_id, name, predicate, scope, severity)
       VALUES ($1, $2, '{"kind":"expires_within","days":14}', '{"kind":"all"}', $3) RETURNING id`,
      [world.workspace.id, `rule-${n}-${Date.now()}`, severity],
    );
    const alert = await client.query<{ id: string }>(
      `INSERT INTO alerts (workspace_id, rule_id, host_id, severity, summary, state, opened_at, resolved_at)
       VALUES ($1, $2, $3, $4, $5, $6, now(), CASE WHEN $6 = 'resolved' THEN now() END) RETURNING id`,
      [
        world.workspace.id,
        rule.rows[0]!.id,
        host.rows[0]!.id,
        severity,
        `certificate expires soon (${n})`,
        state,
      ],
    );
    await client.query('COMMIT');
    return alert.rows[0]!.id;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}

/** Resolves an alert as the worker would (used to provoke an acknowledgement conflict). */
export async function resolveAlert(world: World, alertId: string): Promise<void> {
  const client = await world.server.services.db.owner.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT set_config('vigilo.workspace_id', $1, true)", [world.workspace.id]);
    await client.query("UPDATE alerts SET state = 'resolved', resolved_at = now() WHERE id = $1", [alertId]);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
}
