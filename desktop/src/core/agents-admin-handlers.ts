import type { z } from 'zod';
import type { AgentsAdminOutputs, agentsAdminCalls } from '../bridge/agents-admin.ts';
import {
  agentPicker,
  agentsOverview,
  createEnrollmentToken,
  moveHosts,
  revokeAgent,
  setDefaultAgent,
} from './agents-admin-online.ts';
import type { BridgeContext } from './bridge-handlers.ts';
import { openCore, thenSync } from './handler-kit.ts';

type Call = keyof typeof agentsAdminCalls;
type Parsed<C extends Call> = z.output<(typeof agentsAdminCalls)[C]['input']>;

/** How the agents admin calls of the contract are served (spread into HANDLERS). */
export const AGENTS_ADMIN_HANDLERS: {
  [C in Call]: (
    input: Parsed<C>,
    ctx: BridgeContext,
  ) => AgentsAdminOutputs[C] | Promise<AgentsAdminOutputs[C]>;
} = {
  'agents.overview': (_input, ctx) => agentsOverview(openCore(ctx)),
  'agents.picker': (_input, ctx) => agentPicker(openCore(ctx)),
  'agents.createToken': (draft, ctx) => {
    const core = openCore(ctx);
    return createEnrollmentToken(core, core.serverUrl, draft);
  },
  'agents.revoke': async ({ id }, ctx) => {
    const core = openCore(ctx);
    return thenSync(core, await revokeAgent(core, id));
  },
  'agents.setDefault': async ({ agentId }, ctx) => {
    const core = openCore(ctx);
    return thenSync(core, await setDefaultAgent(core, agentId));
  },
  'agents.moveHosts': async (move, ctx) => {
    const core = openCore(ctx);
    return thenSync(core, await moveHosts(core, move));
  },
};
