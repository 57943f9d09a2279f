import type { z } from 'zod';
import type {
  AgentPicker,
  AgentsOverview,
  EnrollmentTokenShown,
  enrollmentTokenDraftSchema,
  moveHostsSchema,
} from '../bridge/agents-admin.ts';
import type { OnlineResult } from '../bridge/changes.ts';
import { iso, online } from './change-admin-online.ts';
import type { OnlineDeps } from './hosts-online.ts';

/**
 * Settings › Agents: the workspace's agents, enrollment tokens, the default agent and moving
 * hosts between agents. Agents are not replicated (their credentials and addresses stay on the
 * server), so each of these asks the server; offline, the answer says it needs it.
 */

/** Quotes a shell word only when it needs it (tokens and URLs usually do not). */
const shellWord = (w: string) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

/** The command that enrolls an agent (agent/src/cli/agent-commands.ts ENROLL_USAGE). */
export function enrollCommand(serverUrl: string, token: string): string {
  return `npx vigilo-agent enroll --server ${shellWord(serverUrl)} --token ${shellWord(token)}`;
}

/** Every agent with what it last reported, the hosts (to move them) and the default agent. */
export function agentsOverview(deps: OnlineDeps): Promise<OnlineResult<AgentsOverview>> {
  return online('the agents list', async () => {
    const [agents, hosts, ws] = await Promise.all([
      deps.api.agents.list.query({ workspace: deps.workspace }),
      deps.api.hosts.list.query({ workspace: deps.workspace }),
      deps.api.workspace.get.query({ workspace: deps.workspace }),
    ]);
    return {
      agents: agents.map((a) => ({
        id: a.id,
        name: a.name,
        version: a.version,
        platform: a.platform,
        lastSeenAt: iso(a.lastSeenAt),
        enrolledAt: iso(a.enrolledAt),
        revokedAt: iso(a.revokedAt),
        spoolDepth: a.spoolDepth,
        hosts: a.hosts,
        isDefault: a.isDefault,
      })),
      hosts: hosts.map((h) => ({ id: h.id, hostname: h.hostname, port: h.port, agentId: h.agentId })),
      defaultAgentId: ws.defaultAgentId,
    };
  });
}

/** The live agents for the add-host form's picker, and the default it starts on. */
export function agentPicker(deps: OnlineDeps): Promise<OnlineResult<AgentPicker>> {
  return online('choosing an agent', async () => {
    const [agents, ws] = await Promise.all([
      deps.api.agents.list.query({ workspace: deps.workspace }),
      deps.api.workspace.get.query({ workspace: deps.workspace }),
    ]);
    return {
      agents: agents.filter((a) => !a.revokedAt).map((a) => ({ id: a.id, name: a.name })),
      defaultAgentId: ws.defaultAgentId,
    };
  });
}

/** Makes a one-time enrollment token; the answer carries it once, with the command to run. */
export function createEnrollmentToken(
  deps: OnlineDeps,
  serverUrl: string,
  draft: z.output<typeof enrollmentTokenDraftSchema>,
): Promise<OnlineResult<EnrollmentTokenShown>> {
  return online('creating an enrollment token', async () => {
    const made = await deps.api.agents.createEnrollmentToken.mutate({
      workspace: deps.workspace,
      name: draft.name,
      ttlHours: draft.ttlHours,
    });
    return {
      token: made.token,
      expiresAt: iso(made.expiresAt),
      command: enrollCommand(serverUrl, made.token),
      runCommand: 'npx vigilo-agent run',
    };
  });
}

export function revokeAgent(
  deps: OnlineDeps,
  id: string,
): Promise<OnlineResult<{ hosts: number; hostsMovedTo: string | null }>> {
  return online('revoking an agent', async () => {
    const r = await deps.api.agents.revoke.mutate({ workspace: deps.workspace, id });
    return { hosts: r.hosts, hostsMovedTo: r.hostsMovedTo };
  });
}

export function setDefaultAgent(deps: OnlineDeps, agentId: string | null): Promise<OnlineResult> {
  return online('setting the default agent', async () => {
    await deps.api.agents.setDefault.mutate({ workspace: deps.workspace, agentId });
    return {};
  });
}

export function moveHosts(
  deps: OnlineDeps,
  move: z.output<typeof moveHostsSchema>,
): Promise<OnlineResult<{ moved: number }>> {
  return online('moving hosts', async () => {
    const r = await deps.api.hosts.move.mutate({
      workspace: deps.workspace,
      toAgentId: move.toAgentId,
      ...(move.hostIds ? { hostIds: move.hostIds } : { fromAgentId: move.fromAgentId ?? null }),
    });
    return { moved: r.moved.length };
  });
}
