import { z } from 'zod';
import { MutationConflict } from '../conflict.ts';
import { define } from '../mutation-def.ts';

export const workspaceRename = define({
  permission: 'administer',
  args: z.object({
    name: z.string().trim().min(1, 'name must not be empty').max(100, 'name must be at most 100 characters'),
    /** The name the client saw when it made the change; a different current name is a conflict. */
    expectedName: z.string().optional(),
  }),
  async apply(tx, args) {
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
});
