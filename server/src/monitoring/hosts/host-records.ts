import type { WorkspaceTx } from '../../db/tx.ts';
import { ActionRefused, invalidField } from '../../domain-errors.ts';
import { isUniqueViolation } from '../../db/pg-errors.ts';
import type { HostFields, HostPatch } from './host-fields.ts';
import { chooseAgent } from '../agents/default-agent.ts';
import { agentIsAssignable, nudgeAgents } from './host-actions.ts';

/**
 * The monitored hosts of a workspace: list, add, change, remove. Each change writes its audit
 * row and event in the caller's transaction and nudges the agents whose assignments changed.
 * Pause, resume and snooze are host-actions.ts (shared with the desktop's outbox).
 */

type HostRow = {
  id: string;
  hostname: string;
  port: number;
  protocol: string | null;
  interval_s: number;
  tags: string[];
  agent_id: string | null;
  active: boolean;
};

/** The hosts, by name and port, with their latest status; `tag` and `search` narrow the list. */
export async function listHosts(
  tx: WorkspaceTx,
  filter: { tag?: string | undefined; search?: string | undefined },
) {
  const { rows } = await tx.query<
    HostRow & {
      grade: string | null;
      not_after: Date | null;
      reachable: boolean | null;
      scanned_at: Date | null;
    }
  >(
    `SELECT h.id, h.hostname, h.port, h.protocol, h.interval_s, h.tags, h.agent_id, h.active,
            s.grade, s.not_after, s.reachable, s.scanned_at
     FROM hosts h LEFT JOIN host_status s ON s.host_id = h.id
     WHERE ($1::text IS NULL OR $1 = ANY(h.tags)) AND ($2::text IS NULL OR h.hostname ILIKE '%' || $2 || '%')
     ORDER BY h.hostname, h.port`,
    [filter.tag ?? null, filter.search ?? null],
  );
  return rows.map((r) => ({
    id: r.id,
    hostname: r.hostname,
    port: r.port,
    protocol: r.protocol,
    intervalS: r.interval_s,
    tags: r.tags,
    agentId: r.agent_id,
    active: r.active,
    grade: r.grade,
    notAfter: r.not_after,
    reachable: r.reachable,
    lastScanAt: r.scanned_at,
  }));
}

/** A host added: its id, the agent that scans it, and a warning when none will. */
export type HostAdded = { id: string; agentId: string | null; warning: string | undefined };

/**
 * Adds a host unless the workspace already monitors that hostname and port (then `exists`). An
 * omitted agent means the workspace's default agent, else its only active agent if it has
 * exactly one (single-machine mode's local agent), so a new host is scanned without any agent
 * set-up (default-agent.ts). When no agent can take it the host is still added, with a warning:
 * refusing would block the natural order of setting up (import the hosts, enroll an agent, then
 * move the waiting hosts to it: hosts.move from no agent), and the certificates page flags it.
 */
export async function insertHost(tx: WorkspaceTx, h: HostFields): Promise<HostAdded | { exists: true }> {
  let warning: string | undefined;
  if (h.agentId === undefined) {
    const choice = await chooseAgent(tx);
    h = { ...h, agentId: choice.agentId };
    if (choice.agentId === null) warning = choice.warning;
  } else if (h.agentId === null) warning = NO_AGENT_CHOSEN;
  if (h.agentId && !(await agentIsAssignable(tx, h.agentId))) throw unknownAgent();
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO hosts (workspace_id, hostname, port, protocol, interval_s, tags, agent_id) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (workspace_id, hostname, port) DO NOTHING RETURNING id`,
    [tx.workspaceId, h.hostname, h.port, h.protocol, h.intervalS, h.tags, h.agentId],
  );
  const id = rows[0]?.id;
  if (!id) return { exists: true };
  await tx.record({
    action: 'host.added',
    target: { type: 'host', id },
    summary: { after: h },
    event: 'host.added',
    payload: { id, hostname: h.hostname, port: h.port },
  });
  await nudgeAgents(tx, [h.agentId]);
  return { id, agentId: h.agentId ?? null, warning };
}

/** Adds a host; one already monitored is a `conflict` refusal. */
export async function addHost(tx: WorkspaceTx, h: HostFields): Promise<HostAdded> {
  const result = await insertHost(tx, h);
  if ('exists' in result) throw alreadyMonitored(h);
  return result;
}

/** Changes the fields given; another host with the new hostname and port is a `conflict`. */
export async function updateHost(tx: WorkspaceTx, id: string, patch: HostPatch) {
  const before = await tx.query<HostRow>('SELECT * FROM hosts WHERE id = $1 FOR UPDATE', [id]);
  const prev = before.rows[0];
  if (!prev) throw noHost();
  // Checked only when it changes: a host whose agent was since revoked stays editable.
  if (patch.agentId && patch.agentId !== prev.agent_id && !(await agentIsAssignable(tx, patch.agentId)))
    throw unknownAgent();
  const next = {
    hostname: patch.hostname ?? prev.hostname,
    port: patch.port ?? prev.port,
    protocol: patch.protocol !== undefined ? patch.protocol : prev.protocol,
    intervalS: patch.intervalS ?? prev.interval_s,
    tags: patch.tags ?? prev.tags,
    agentId: patch.agentId !== undefined ? patch.agentId : prev.agent_id,
  };
  try {
    await tx.query(
      'UPDATE hosts SET hostname = $2, port = $3, protocol = $4, interval_s = $5, tags = $6, agent_id = $7, updated_at = now() WHERE id = $1',
      [id, next.hostname, next.port, next.protocol, next.intervalS, next.tags, next.agentId],
    );
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    throw alreadyMonitored(next, err);
  }
  await tx.record({
    action: 'host.updated',
    target: { type: 'host', id },
    summary: {
      before: {
        hostname: prev.hostname,
        port: prev.port,
        protocol: prev.protocol,
        intervalS: prev.interval_s,
        tags: prev.tags,
        agentId: prev.agent_id,
      },
      after: next,
    },
    event: 'host.updated',
    payload: { id, hostname: next.hostname, port: next.port },
  });
  await nudgeAgents(tx, [prev.agent_id, next.agentId]);
  return { id, ...next };
}

/** Removes a host with its history; its agent drops it at the next pull. */
export async function removeHost(tx: WorkspaceTx, id: string): Promise<{ id: string }> {
  const { rows } = await tx.query<{ agent_id: string | null; hostname: string; port: number }>(
    'DELETE FROM hosts WHERE id = $1 RETURNING agent_id, hostname, port',
    [id],
  );
  const host = rows[0];
  if (!host) throw noHost();
  await tx.record({
    action: 'host.removed',
    target: { type: 'host', id },
    summary: { before: host },
    event: 'host.removed',
    payload: { id, hostname: host.hostname, port: host.port },
  });
  await nudgeAgents(tx, [host.agent_id]);
  return { id };
}

const NO_AGENT_CHOSEN = 'no agent will scan this host: it was added with no agent; move it to an agent';
const noHost = () => new ActionRefused('not_found', 'no host with that id');
const alreadyMonitored = (h: { hostname: string; port: number }, cause?: unknown) =>
  new ActionRefused('conflict', `${h.hostname}:${h.port} is already monitored`, { cause });
/** The same answer for an unknown id and another workspace's agent: nothing to learn from it. */
const unknownAgent = () => invalidField(['agentId'], 'no active agent with that id in this workspace');
