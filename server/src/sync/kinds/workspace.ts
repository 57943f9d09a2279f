import { MutationConflict } from '../conflict.ts';
import type { KindHandlers } from '../mutation-def.ts';

export const workspaceKinds = {
  'workspace.rename': async (tx, args) => {
    const { rows } = await tx.query<{ name: string }>('SELECT name FROM workspaces FOR UPDATE');
    const prev = rows[0];
    if (!prev) throw new MutationConflict('not_found', 'the workspace no longer exists');
    if (args.expectedName !== undefined && prev.name !== args.expectedName) {
      throw new MutationConflict(
        'stale',
        `the workspace was renamed to "${prev.name}" by someone else after you saw "${args.expectedName}"`,
      );
    }
    await tx.query('UPDATE workspaces SET name = $1', [args.name]);
    await tx.record({
      action: 'workspace.updated',
      target: { type: 'workspace', id: tx.workspaceId },
      summary: { before: { name: prev.name }, after: { name: args.name } },
      event: 'workspace.updated',
      payload: { id: tx.workspaceId, name: args.name },
    });
    return { name: args.name };
  },
} satisfies Partial<KindHandlers>;
