import type { WorkspaceTx } from '../../db/tx.ts';
import { ActionRefused } from '../../domain-errors.ts';
import { chooseAgent, clearDefaultIf, moveHosts } from './default-agent.ts';

/** The workspace's agents as admins see and revoke them (enrollment itself: enroll.ts). */

/**
 * Every agent, by name, with how many hosts it scans, the version and spool depth it last
 * reported (AGENT_HEADERS; the depth is as of `lastSeenAt`) and whether it is the default.
 */
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
    spool_depth: number | null;
    is_default: boolean;
    hosts: number;
  }>(
    `SELECT a.id, a.name, a.version, a.platform, a.address, a.enrolled_at, a.last_seen_at, a.revoked_at,
            a.spool_depth, coalesce(a.id = w.default_agent_id, false) AS is_default,
            (SELECT count(*) FROM hosts h WHERE h.agent_id = a.id)::int AS hosts
     FROM agents a JOIN workspaces w ON w.id = $1 ORDER BY a.name`,
    [tx.workspaceId],
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
    spoolDepth: r.spool_depth,
    isDefault: r.is_default,
    hosts: r.hosts,
  }));
}

/**
 * Revokes an agent: its next call gets 401 and it stops. It stops being the default, and its
 * hosts go to the agent a new host would get (default-agent.ts chooseAgent, without this one);
 * when there is none they stay, unassigned, and the answer says how many.
 */
export async function revokeAgent(
  tx: WorkspaceTx,
  id: string,
): Promise<{ id: string; hostsMovedTo: string | null; hosts: number }> {
  const { rows } = await tx.query<{ name: string }>(
    'UPDATE agents SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING name',
    [id],
  );
  if (!rows[0]) throw new ActionRefused('not_found', 'no active agent with that id');
  await clearDefaultIf(tx, id);
  const heir = await chooseAgent(tx, id);
  const { moved } = await moveHosts(tx, { fromAgentId: id }, heir.agentId, `agent ${rows[0].name} revoked`);
  await tx.record({
    action: 'agent.revoked',
    target: { type: 'agent', id },
    summary: { before: { name: rows[0].name }, after: { hosts: moved.length, hostsMovedTo: heir.agentId } },
    event: 'agent.revoked',
    payload: { agentId: id, name: rows[0].name },
  });
  return { id, hostsMovedTo: heir.agentId, hosts: moved.length };
}
