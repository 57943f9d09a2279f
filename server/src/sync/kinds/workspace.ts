import { updateWorkspace } from '../../workspaces/settings.ts';
import type { KindHandlers } from '../mutation-def.ts';

/** The desktop's offline rename: the same operation as workspace.update, refusals become conflicts in apply.ts. */
export const workspaceKinds = {
  'workspace.rename': async (tx, args) => {
    const next = await updateWorkspace(tx, { name: args.name, expectedName: args.expectedName });
    return { name: next.name };
  },
} satisfies Partial<KindHandlers>;
