import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type pg from 'pg';
import { withWorkspace } from '../db/tx.ts';
import { defaultAgentId, setDefaultAgent } from '../monitoring/agents/default-agent.ts';
import { createEnrollmentToken } from '../monitoring/agents/enrollment-tokens.ts';

/** The agent's launcher in this repository (single-machine mode runs the real agent program). */
const AGENT_BIN = fileURLToPath(new URL('../../../agent/bin/vigilo-agent.js', import.meta.url));

export type LocalAgent = { stop(): Promise<void> };

/**
 * Single-machine mode's local agent: on first start it is enrolled into the first workspace with a
 * one-time token (the same enrollment and push path as any other agent), then runs as a child
 * process that stops with the server. Its state lives in `$VIGILO_HOME/agent`.
 */
export async function startLocalAgent(opts: {
  owner: pg.Pool;
  serverUrl: string;
  home: string;
  log: Logger;
  /** CA files the agent trusts besides the system's (the demo CA; see demo-setup.ts). */
  caFiles?: readonly string[];
}): Promise<LocalAgent | undefined> {
  if (!existsSync(AGENT_BIN)) {
    opts.log.warn('the agent program is not installed next to the server; no local agent');
    return undefined;
  }
  const agentHome = path.join(opts.home, 'agent');
  if (!existsSync(path.join(agentHome, 'config.json'))) {
    const minted = await mintEnrollmentToken(opts.owner);
    if (!minted) return undefined;
    const { token } = minted;
    const enroll = spawn(
      process.execPath,
      [
        AGENT_BIN,
        'enroll',
        '--server',
        opts.serverUrl,
        '--token',
        token,
        '--home',
        agentHome,
        '--name',
        'local agent',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    enroll.stdout?.on('data', (c: Buffer) => (output += c.toString('utf8')));
    enroll.stderr?.on('data', (c: Buffer) => (output += c.toString('utf8')));
    const code = await new Promise<number | null>((r) => enroll.once('exit', r));
    if (code !== 0) {
      opts.log.error({ output }, 'the local agent could not enroll');
      return undefined;
    }
    await makeDefaultAgent(opts.owner, minted);
  }
  const child: ChildProcess = spawn(
    process.execPath,
    [
      AGENT_BIN,
      'run',
      '--home',
      agentHome,
      '--spread',
      '5',
      ...(opts.caFiles ?? []).flatMap((file) => ['--ca', file]),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  // The agent logs JSON lines; they join the server's log under one field.
  const relay = (c: Buffer) => {
    for (const line of c.toString('utf8').split('\n'))
      if (line.trim()) opts.log.debug({ agent: line }, 'local agent');
  };
  child.stdout?.on('data', relay);
  child.stderr?.on('data', relay);
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM') opts.log.error({ code, signal }, 'the local agent exited');
  });
  return {
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(force);
    },
  };
}

/** How long the local agent's enrollment token lives: it is spent within seconds of minting. */
const LOCAL_TOKEN_TTL_MS = 10 * 60_000;
const LOCAL_AGENT_MINTER = { type: 'system', id: 'vigilo-up' } as const;

/** A one-time enrollment token in the oldest workspace, recorded like one an admin made. */
async function mintEnrollmentToken(
  owner: pg.Pool,
): Promise<{ token: string; tokenId: string; workspaceId: string } | undefined> {
  const ws = await owner.query<{ id: string }>('SELECT id FROM workspaces ORDER BY created_at LIMIT 1');
  const workspaceId = ws.rows[0]?.id;
  if (!workspaceId) return undefined;
  const minted = await withWorkspace(
    owner,
    workspaceId,
    { actor: LOCAL_AGENT_MINTER, requestId: undefined },
    (tx) =>
      createEnrollmentToken(tx, {
        name: 'local agent',
        expiresAt: new Date(Date.now() + LOCAL_TOKEN_TTL_MS),
        createdBy: null,
        purpose: 'single-machine mode',
      }),
  );
  return { token: minted.token, tokenId: minted.id, workspaceId };
}

/**
 * The agent just enrolled with `minted` becomes its workspace's default agent, so hosts added
 * without naming one go to it (the add-host picker offers it as the default), recorded as the
 * start-up like any other default set. A default an admin chose meanwhile is left alone.
 */
async function makeDefaultAgent(
  owner: pg.Pool,
  minted: { tokenId: string; workspaceId: string },
): Promise<void> {
  await withWorkspace(
    owner,
    minted.workspaceId,
    { actor: LOCAL_AGENT_MINTER, requestId: undefined },
    async (tx) => {
      const { rows } = await tx.query<{ agent_id: string | null }>(
        'SELECT agent_id FROM enrollment_tokens WHERE id = $1',
        [minted.tokenId],
      );
      const agentId = rows[0]?.agent_id;
      if (!agentId || (await defaultAgentId(tx)) !== null) return;
      await setDefaultAgent(tx, agentId);
    },
  );
}
