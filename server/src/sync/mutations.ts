import type { KindHandlers } from './mutation-def.ts';
import { alertKinds } from './kinds/alerts.ts';
import { approvalKinds } from './kinds/approvals.ts';
import { hostKinds } from './kinds/hosts.ts';
import { incidentKinds } from './kinds/incidents.ts';
import { workspaceKinds } from './kinds/workspace.ts';

export type { KindHandler, KindHandlers } from './mutation-def.ts';

/** How the server applies every kind of the outbox contract (shared/src/outbox.ts) through sync.push. */
export const MUTATIONS: KindHandlers = {
  ...workspaceKinds,
  ...alertKinds,
  ...approvalKinds,
  ...hostKinds,
  ...incidentKinds,
};
