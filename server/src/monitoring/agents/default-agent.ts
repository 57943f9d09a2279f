import type { WorkspaceTx } from '../../db/tx.ts';
import { ActionRefused, invalidField } from '../../domain-errors.ts';
import { nudgeAgents } from '../hosts/host-actions.ts';

/**
 * Every host has an agent (issue 14): the workspace's default agent, which an admin sets, and the
 * rule that picks the agent of a host added without one. Hosts move between agents with
 * `moveHosts`, each move audited per host.
 */

/** How a host's agent was chosen when none was named. */
export type AgentChoice =
  { agentId: string; by: 'default' | 'only_agent' } | { agentId: null; by: 'none'; warning: string };

/** Why a host added without an agent is not scanned (the answer's `warning`). */
export const NO_AGENT_WARNING =
  'no agent will scan this host: the workspace has no default agent and not exactly one agent; ' +
  'enroll an agent or set a default agent, then move the host to it';

/**
 * The agent a host added without one gets: the workspace's default agent; else, when the
 * workspace has exactly one live agent, that one; else none (with the warning to show).
 * `excluding` leaves out an agent that is going away (a revocation hands its hosts on).
 */
export async function chooseAgent(tx: WorkspaceTx, excluding?: string): Promise<AgentChoice> {
  const { rows } = await tx.query<{ id: string; is_default: boolean }>(
    `SELECT a.id, a.id = w.default_agent_id AS is_default
     FROM agents a JOIN workspaces w ON w.id = $2
     WHERE a.revoked_at IS NULL AND ($1::uuid IS NULL OR a.id <> $1)
     ORDER BY is_default DESC NULLS LAST LIMIT 2`,
    [excluding ?? null, tx.workspaceId],
  );
  const [first, second] = rows;
  if (first?.is_default) return { agentId: first.id, by: 'default' };
  if (first && !second) return { agentId: first.id, by: 'only_agent' };
  return { agentId: null, by: 'none', warning: NO_AGENT_WARNING };
}

/** The workspace's default agent, or null. */
export async function defaultAgentId(tx: WorkspaceTx): Promise<string | null> {
  const { rows } = await tx.query<{ default_agent_id: string | null }>(
    'SELECT default_agent_id FROM workspaces WHERE id = $1',
    [tx.workspaceId],
  );
  return rows[0]?.default_agent_id ?? null;
}

/**
 * Sets (or, with null, clears) the workspace's default agent. It must be a live agent of this
 * workspace; an unknown id and another workspace's agent get the same refusal naming `agentId`.
 */
export async function setDefaultAgent(
  tx: WorkspaceTx,
  agentId: string | null,
): Promise<{ defaultAgentId: string | null }> {
  if (agentId !== null) {
    const { rowCount } = await tx.query('SELECT 1 FROM agents WHERE id = $1 AND revoked_at IS NULL', [
      agentId,
    ]);
    if (!rowCount) throw invalidField(['agentId'], 'no active agent with that id in this workspace');
  }
  await writeDefault(tx, agentId);
  return { defaultAgentId: agentId };
}

/**
 * Writes the default with its audit row and event (a workspace change: replicas get it live).
 * The workspace is named in every query on `workspaces`: its row security is not forced, so a
 * transaction on the owner pool (jobs, start-up) would otherwise see every workspace.
 */
async function writeDefault(tx: WorkspaceTx, agentId: string | null): Promise<void> {
  const { rows } = await tx.query<{ name: string; default_agent_id: string | null }>(
    'SELECT name, default_agent_id FROM workspaces WHERE id = $1 FOR UPDATE',
    [tx.workspaceId],
  );
  const prev = rows[0];
  if (!prev) throw new ActionRefused('not_found', 'the workspace no longer exists');
  if (prev.default_agent_id === agentId) return;
  await tx.query('UPDATE workspaces SET default_agent_id = $2 WHERE id = $1', [tx.workspaceId, agentId]);
  await tx.record({
    action: 'workspace.default_agent_set',
    target: { type: 'workspace', id: tx.workspaceId },
    summary: { before: { defaultAgentId: prev.default_agent_id }, after: { defaultAgentId: agentId } },
    event: 'workspace.updated',
    payload: { id: tx.workspaceId, name: prev.name, defaultAgentId: agentId },
  });
}

/** Clears the default when it names `agentId` (the agent is being revoked). */
export async function clearDefaultIf(tx: WorkspaceTx, agentId: string): Promise<boolean> {
  if ((await defaultAgentId(tx)) !== agentId) return false;
  await writeDefault(tx, null);
  return true;
}

/** Which hosts to move: named ones, or every host of an agent (null: the unassigned ones). */
export type HostSelection = { hostIds: string[] } | { fromAgentId: string | null };

/**
 * Moves hosts to `toAgentId` (null: unassigns them). Each host moved writes its audit row and a
 * `host.updated` event; the agents losing and gaining hosts are nudged to pull their config.
 * Named hosts that do not exist are a refusal naming `hostIds` and nothing moves.
 */
export async function moveHosts(
  tx: WorkspaceTx,
  selection: HostSelection,
  toAgentId: string | null,
  why: string,
): Promise<{ moved: string[] }> {
  if (toAgentId !== null) {
    const { rowCount } = await tx.query('SELECT 1 FROM agents WHERE id = $1 AND revoked_at IS NULL', [
      toAgentId,
    ]);
    if (!rowCount) throw invalidField(['toAgentId'], 'no active agent with that id in this workspace');
  }
  const { rows } = await tx.query<{ id: string; hostname: string; port: number; agent_id: string | null }>(
    'hostIds' in selection
      ? 'SELECT id, hostname, port, agent_id FROM hosts WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE'
      : 'SELECT id, hostname, port, agent_id FROM hosts WHERE agent_id IS NOT DISTINCT FROM $1::uuid ORDER BY id FOR UPDATE',
    ['hostIds' in selection ? selection.hostIds : selection.fromAgentId],
  );
  if ('hostIds' in selection) {
    const found = new Set(rows.map((r) => r.id));
    const missing = [...new Set(selection.hostIds)].filter((id) => !found.has(id));
    if (missing.length > 0)
      throw invalidField(['hostIds'], `no host with id ${missing.slice(0, 3).join(', ')} in this workspace`);
  }
  const moving = rows.filter((r) => r.agent_id !== toAgentId);
  if (moving.length === 0) return { moved: [] };
  await tx.query('UPDATE hosts SET agent_id = $2, updated_at = now() WHERE id = ANY($1::uuid[])', [
    moving.map((r) => r.id),
    toAgentId,
  ]);
  for (const host of moving) {
    await tx.record({
      action: 'host.agent_changed',
      target: { type: 'host', id: host.id },
      summary: { before: { agentId: host.agent_id }, after: { agentId: toAgentId }, why },
      event: 'host.updated',
      payload: { id: host.id, hostname: host.hostname, port: host.port, agentId: toAgentId },
    });
  }
  await nudgeAgents(tx, [toAgentId, ...moving.map((r) => r.agent_id)]);
  return { moved: moving.map((r) => r.id) };
}
