import { DEFAULT_ALERT_RULES } from '@vigilo/shared/default-alert-rules';
import { ownerInWorkspace } from './database.ts';
import type { World } from './world.ts';

let n = 0;

/**
 * Seeds a host, a rule and one alert in `acme` straight into Postgres (the rows a monitoring
 * worker would write, without scanning anything). Returns the alert's id.
 */
export function seedAlert(world: World, state: 'open' | 'resolved', severity = 'critical'): Promise<string> {
  const workspaceId = world.workspace.id;
  return ownerInWorkspace(world.server.services.db.owner, workspaceId, async (client) => {
    n += 1;
    const host = await client.query<{ id: string }>(
      'INSERT INTO hosts (workspace_id, hostname, port, interval_s) VALUES ($1, $2, 443, 3600) RETURNING id',
      [workspaceId, `host-${n}-${Date.now()}.example.test`],
    );
    const rule = await client.query<{ id: string }>(
      `INSERT INTO alert_rules (workspace_id, name, predicate, scope, severity)
       VALUES ($1, $2, '{"kind":"expires_within","days":14}', '{"kind":"all"}', $3) RETURNING id`,
      [workspaceId, `rule-${n}-${Date.now()}`, severity],
    );
    const alert = await client.query<{ id: string }>(
      `INSERT INTO alerts (workspace_id, rule_id, host_id, severity, summary, state, opened_at, resolved_at)
       VALUES ($1, $2, $3, $4, $5, $6, now(), CASE WHEN $6 = 'resolved' THEN now() END) RETURNING id`,
      [workspaceId, rule.rows[0]!.id, host.rows[0]!.id, severity, `certificate expires soon (${n})`, state],
    );
    return alert.rows[0]!.id;
  });
}

/** Resolves an alert as the worker would (used to provoke an acknowledgement conflict). */
export async function resolveAlert(world: World, alertId: string): Promise<void> {
  await ownerInWorkspace(world.server.services.db.owner, world.workspace.id, (client) =>
    client.query("UPDATE alerts SET state = 'resolved', resolved_at = now() WHERE id = $1", [alertId]),
  );
}

/**
 * Removes the default alert rules a new workspace starts with (shared/src/default-alert-rules.ts),
 * through the API as an admin would, for tests whose alerts come from rules of their own.
 */
export async function removeDefaultAlertRules(
  world: World,
  workspace = 'acme',
  who = 'owner',
): Promise<void> {
  const client = world.client(who);
  const defaults = new Set(DEFAULT_ALERT_RULES.map((r) => r.name));
  for (const rule of await client.alertRules.list.query({ workspace }))
    if (defaults.has(rule.name)) await client.alertRules.remove.mutate({ workspace, id: rule.id });
}
