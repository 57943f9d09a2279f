import { z } from 'zod';
import type { OnlineResult } from './changes.ts';

/**
 * The bridge's view of agents: enrollment, default agent, moving hosts (Settings). Pure data, like contract.ts: the
 * calls (spread into contract.ts's bridgeCalls) and their answers (joined into BridgeOutputs).
 * Agents are not replicated: every call here asks the server, and offline each says so.
 */

const id = z.string().min(1).max(100);

/** One agent as the Agents page lists it (server: agents.list). */
export type AgentView = {
  id: string;
  name: string;
  version: string | null;
  platform: string | null;
  /** ISO instants; '' for never. */
  lastSeenAt: string;
  enrolledAt: string;
  revokedAt: string;
  /** Snapshots waiting in its spool as it last reported; null when it never said. */
  spoolDepth: number | null;
  hosts: number;
  isDefault: boolean;
};

/** A host as the move form offers it (server: hosts.list). */
export type AgentHostView = { id: string; hostname: string; port: number; agentId: string | null };

export type AgentsOverview = {
  agents: AgentView[];
  hosts: AgentHostView[];
  defaultAgentId: string | null;
};

/** The add-host form's agent picker: live agents, starting on the workspace's default. */
export type AgentPicker = { agents: Array<{ id: string; name: string }>; defaultAgentId: string | null };

export const enrollmentTokenDraftSchema = z.object({
  /** A name for the token (the agent names itself when it enrolls). */
  name: z.string().max(200),
  /** Hours the token may be used: 1 to 720 (the server names the field otherwise). */
  ttlHours: z.number().int().default(24),
});
export type EnrollmentTokenDraft = z.input<typeof enrollmentTokenDraftSchema>;

/** A token just made: shown once with the command to run on the agent's host. */
export type EnrollmentTokenShown = {
  token: string;
  expiresAt: string;
  /** The exact enrollment command, with this server's URL and the token. */
  command: string;
  /** The command that then runs the agent. */
  runCommand: string;
};

export const moveHostsSchema = z.object({
  /** The hosts to move; or, without them, every host of `fromAgentId` (null: hosts of no agent). */
  hostIds: z.array(id).max(1000).optional(),
  fromAgentId: id.nullable().optional(),
  /** null: to no agent. */
  toAgentId: id.nullable(),
});
export type MoveHosts = z.input<typeof moveHostsSchema>;

/** The calls, spread into contract.ts's bridgeCalls. */
export const agentsAdminCalls = {
  'agents.overview': { input: z.object({}) },
  'agents.picker': { input: z.object({}) },
  'agents.createToken': { input: enrollmentTokenDraftSchema },
  'agents.revoke': { input: z.object({ id }) },
  'agents.setDefault': { input: z.object({ agentId: id.nullable() }) },
  'agents.moveHosts': { input: moveHostsSchema },
} as const;

/** Their answers, joined into contract.ts's BridgeOutputs. */
export type AgentsAdminOutputs = {
  'agents.overview': OnlineResult<AgentsOverview>;
  'agents.picker': OnlineResult<AgentPicker>;
  'agents.createToken': OnlineResult<EnrollmentTokenShown>;
  'agents.revoke': OnlineResult<{ hosts: number; hostsMovedTo: string | null }>;
  'agents.setDefault': OnlineResult;
  'agents.moveHosts': OnlineResult<{ moved: number }>;
};
