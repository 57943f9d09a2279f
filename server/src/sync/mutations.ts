import type { MutationDef } from './mutation-def.ts';
import { alertAcknowledge, alertComment, alertResolve, alertSnooze } from './kinds/alerts.ts';
import { hostPause, hostResume, hostSnooze } from './kinds/hosts.ts';
import { workspaceRename } from './kinds/workspace.ts';

export type { MutationDef } from './mutation-def.ts';

/** Every kind the server applies through sync.push. */
export const MUTATIONS: Record<string, MutationDef<unknown> | undefined> = {
  'workspace.rename': workspaceRename,
  'alert.acknowledge': alertAcknowledge,
  'alert.snooze': alertSnooze,
  'alert.resolve': alertResolve,
  'alert.comment': alertComment,
  'host.pause': hostPause,
  'host.resume': hostResume,
  'host.snooze': hostSnooze,
};
