import type { WorkspaceTx } from '../../db/tx.ts';
import { ActionRefused } from '../../domain-errors.ts';

/** The workspace's agents as admins see and revoke them (enrollment itself: enroll.ts). */

/** Every agent, by name, with how many hosts it scans. */
export async function listAgents(tx: WorkspaceTx) {
  const { rows } = await tx.query<{
    id: string;
    name: string;
    version: string | null;
    platform: string | null;
    address: string | null;
    enrolled_at: Date;
    last_seen_at: Date | null;
    revoked_at: Date | null;
    hosts: number;
  }>(
    `SELECT a.id, a.name, a.version, a.platform, a.address, a.enrolled_at, a.last_seen_at, a.revoked_at,
            (SELECT count(*) FROM hosts h WHERE h.agent_id = a.id)::int AS hosts
     FROM agents a ORDER BY a.name`,
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    version: r.version,
    platform: r.platform,
    address: r.address,
    enrolledAt: r.enrolled_at,
    lastSeenAt: r.last_seen_at,
    revokedAt: r.revoked_at,
    hosts: r.hosts,
  }));
}

/** Revokes an agent: its next call gets 401 and it stops; its hosts stay, unassigned. */
export async function revokeAgent(tx: WorkspaceTx, id: string): Promise<{ id: string }> {
  const { rows } = await tx.query<{ name: string }>(
    'UPDATE agents SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING name',
    [id],
  );
  if (!rows[0]) throw new ActionRefused('not_found', 'no active agent with that id');
  await tx.query('UPDATE hosts SET agent_id = NULL WHERE agent_id = $1', [id]);
  await tx.record({
    action: 'agent.revoked',
    target: { type: 'agent', id },
    summary: { before: { name: rows[0].name } },
    event: 'agent.revoked',
    payload: { agentId: id, name: rows[0].name },
  });
  return { id };
}
