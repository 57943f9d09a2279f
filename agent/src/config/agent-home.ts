/**
 * The agent's home folder: credentials (config.json, mode 0600), the spool, and state.json that the
 * daemon rewrites every few seconds so `status` can report without talking to the daemon.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { writeAtomic } from '../spool/spool.ts';

export const AgentCredentials = z.object({
  server_url: z.url(),
  agent_id: z.uuid(),
  workspace_id: z.uuid(),
  agent_token: z.string().min(1),
  enrolled_at: z.iso.datetime(),
});
export type AgentCredentials = z.infer<typeof AgentCredentials>;

export const DaemonState = z.object({
  pid: z.number().int(),
  started_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
  state: z.string(),
  config_version: z.number().nullable(),
  hosts: z.number().int(),
  scans_in_flight: z.number().int(),
  scans_done: z.number().int(),
  spool_depth: z.number().int(),
  losses_pending: z.number().int(),
  last_push_at: z.string().nullable(),
  last_error: z.string().nullable(),
});
export type DaemonState = z.infer<typeof DaemonState>;

export class AgentHomeError extends Error {
  override readonly name = 'AgentHomeError';
}

/** --home, else $VIGILO_AGENT_HOME, else ~/.vigilo-agent. */
export function agentHome(flag: string | undefined): string {
  return flag ?? process.env.VIGILO_AGENT_HOME ?? join(homedir(), '.vigilo-agent');
}

export async function saveCredentials(home: string, creds: AgentCredentials): Promise<void> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  await writeAtomic(home, 'config.json', `${JSON.stringify(creds, null, 2)}\n`, 0o600);
}

/** Reads and validates config.json; the error names the file and the field. */
export async function loadCredentials(home: string): Promise<AgentCredentials> {
  const path = join(home, 'config.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new AgentHomeError(`${path} not found: run "vigilo-agent enroll --server URL --token TOKEN" first`);
  }
  const parsed = AgentCredentials.safeParse(JSON.parse(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AgentHomeError(`${path}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export async function saveState(home: string, state: DaemonState): Promise<void> {
  await writeAtomic(home, 'state.json', JSON.stringify(state), 0o644);
}

export async function loadState(home: string): Promise<DaemonState | null> {
  try {
    return DaemonState.parse(JSON.parse(await readFile(join(home, 'state.json'), 'utf8')));
  } catch {
    return null;
  }
}
