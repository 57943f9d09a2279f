import type { WorkspaceRole } from '@vigilo/shared/roles';
import { apiClient } from '@vigilo/tests/support/client';
import type { World } from '@vigilo/tests/support/world';

/** Helpers of the change-management tests: more people, hosts, and what the database recorded. */

export type Client = ReturnType<typeof apiClient>;
export const WS = 'acme';
const HOUR = 3_600_000;

/**
 * A new user with a name (so conflicts read "Alice approved it first"), signed in through the
 * world's identity and added to acme with `role`. `world.client(name)` works for them afterwards.
 */
export async function addPerson(
  world: World,
  name: string,
  role: WorkspaceRole,
): Promise<{ id: string; client: Client; name: string }> {
  const subject = name.toLowerCase();
  const email = `${subject}@example.test`;
  const token = await world.identity.tokenFor(subject, email);
  const client = apiClient(world.server.url, token);
  await client.workspace.mine.query();
  await world.client('owner').members.add.mutate({ workspace: WS, email, role });
  await client.workspace.mine.query(); // the invitee signs in again: now a member
  world.tokens[subject] = token;
  const { rows } = await world.server.services.db.owner.query<{ id: string }>(
    'UPDATE users SET name = $2 WHERE lower(email) = $1 RETURNING id',
    [email, name],
  );
  return { id: rows[0]!.id, client, name };
}

/** The id of one of the world's users (owner, admin, approver, member, …). */
export async function userId(world: World, who: string): Promise<string> {
  const { rows } = await world.server.services.db.owner.query<{ id: string }>(
    'SELECT id FROM users WHERE lower(email) = $1',
    [`${who}@example.test`],
  );
  return rows[0]!.id;
}

let hosts = 0;

/** A monitored host of acme with tags, straight into Postgres (as hosts.add would store it). */
export async function seedHost(world: World, tags: string[] = []): Promise<string> {
  hosts += 1;
  return inAcme(world, async (q) => {
    const { rows } = await q<{ id: string }>(
      'INSERT INTO hosts (workspace_id, hostname, port, interval_s, tags) VALUES ($1, $2, 443, 3600, $3) RETURNING id',
      [world.workspace.id, `change-host-${hosts}-${Date.now()}.example.test`, tags],
    );
    return rows[0]!.id;
  });
}

/** Runs `fn` in a transaction bound to acme on the owner pool (seeding and inspecting rows). */
export async function inAcme<T>(
  world: World,
  fn: (
    q: <R extends Record<string, unknown>>(sql: string, values?: unknown[]) => Promise<{ rows: R[] }>,
  ) => Promise<T>,
): Promise<T> {
  const client = await world.server.services.db.owner.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT set_config('vigilo.workspace_id', $1, true)", [world.workspace.id]);
    const result = await fn((sql, values) => client.query(sql, values));
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}

/** A planned window `aheadHours` after `now`, lasting two hours. */
export function windowFrom(now: Date, aheadHours = 72): { plannedStart: Date; plannedEnd: Date } {
  const plannedStart = new Date(now.getTime() + aheadHours * HOUR);
  return { plannedStart, plannedEnd: new Date(plannedStart.getTime() + 2 * HOUR) };
}

/** Answers that make the questionnaire's lowest score (impact 1 × likelihood 1). */
export const CALM = {
  reach: 'team',
  interruption: 'none',
  tested: 'yes',
  rollback: 'automatic',
  familiar: 'routine',
} as const;

/** The audit actions recorded about a target, oldest first. */
export async function auditActions(world: World, targetId: string): Promise<string[]> {
  const { rows } = await inAcme(world, (q) =>
    q<{ action: string }>('SELECT action FROM audit_events WHERE target_id = $1 ORDER BY seq', [targetId]),
  );
  return rows.map((r) => r.action);
}

/** An audit row's summary: the state before and after, and whatever else the action says. */
export type AuditSummary = {
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  [key: string]: unknown;
};

/** The audit rows (action and parsed summary) about a target, oldest first. */
export async function auditRows(
  world: World,
  targetId: string,
): Promise<Array<{ action: string; actor: string; summary: AuditSummary }>> {
  const { rows } = await inAcme(world, (q) =>
    q<{ action: string; actor: string; summary: string }>(
      "SELECT action, actor_type || ':' || actor_id AS actor, summary FROM audit_events WHERE target_id = $1 ORDER BY seq",
      [targetId],
    ),
  );
  return rows.map((r) => ({
    action: r.action,
    actor: r.actor,
    summary: JSON.parse(r.summary) as AuditSummary,
  }));
}

/** The events emitted about a change, oldest first. */
export async function changeEvents(world: World, changeId: string): Promise<string[]> {
  const { rows } = await inAcme(world, (q) =>
    q<{ type: string }>("SELECT type FROM events WHERE payload->>'changeId' = $1 ORDER BY seq", [changeId]),
  );
  return rows.map((r) => r.type);
}
