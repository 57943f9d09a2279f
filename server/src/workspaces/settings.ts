import type { WorkspaceTx } from '../db/tx.ts';
import { ActionRefused } from '../domain-errors.ts';

export type WorkspaceInfo = {
  id: string;
  slug: string;
  name: string;
  settings: unknown;
  /** The agent hosts added without one get (set with agents.setDefault; monitoring/agents/default-agent.ts). */
  defaultAgentId: string | null;
  createdAt: Date;
};

/** The transaction's workspace. */
export async function getWorkspace(tx: WorkspaceTx): Promise<WorkspaceInfo> {
  const { rows } = await tx.query<{
    id: string;
    slug: string;
    name: string;
    settings: unknown;
    default_agent_id: string | null;
    created_at: Date;
  }>('SELECT id, slug, name, settings, default_agent_id, created_at FROM workspaces');
  const ws = rows[0];
  if (!ws) throw gone();
  return {
    id: ws.id,
    slug: ws.slug,
    name: ws.name,
    settings: ws.settings,
    defaultAgentId: ws.default_agent_id,
    createdAt: ws.created_at,
  };
}

/**
 * Changes the workspace's name and/or settings; what is not given is kept. With `expectedName`
 * (the desktop's offline rename says what it saw) a name changed meanwhile by someone else is a
 * `stale` refusal instead of being overwritten. The one way to change them: `workspace.update`
 * and the outbox's `workspace.rename` both call this.
 */
export async function updateWorkspace(
  tx: WorkspaceTx,
  input: {
    name?: string | undefined;
    settings?: Record<string, unknown> | undefined;
    expectedName?: string | undefined;
  },
): Promise<{ name: string; settings: Record<string, unknown> }> {
  const before = await tx.query<{ name: string; settings: Record<string, unknown> }>(
    'SELECT name, settings FROM workspaces FOR UPDATE',
  );
  const prev = before.rows[0];
  if (!prev) throw gone();
  if (input.expectedName !== undefined && prev.name !== input.expectedName) {
    throw new ActionRefused(
      'stale',
      `the workspace was renamed to "${prev.name}" by someone else after you saw "${input.expectedName}"`,
    );
  }
  const next = { name: input.name ?? prev.name, settings: input.settings ?? prev.settings };
  await tx.query('UPDATE workspaces SET name = $1, settings = $2', [next.name, next.settings]);
  await tx.record({
    action: 'workspace.updated',
    target: { type: 'workspace', id: tx.workspaceId },
    summary: { before: prev, after: next },
    event: 'workspace.updated',
    payload: { id: tx.workspaceId, name: next.name },
  });
  return next;
}

const gone = () => new ActionRefused('not_found', 'the workspace no longer exists');
