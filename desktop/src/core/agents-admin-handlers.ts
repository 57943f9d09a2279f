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
import type { DesktopCore } from './desktop-core.ts';
import { SessionError } from './desktop-app.ts';

type Call = keyof typeof agentsAdminCalls;
type Parsed<C extends Call> = z.output<(typeof agentsAdminCalls)[C]['input']>;

function openCore(ctx: BridgeContext): DesktopCore {
  const core = ctx.app.core;
  if (!core) throw new SessionError('signed_out', 'sign in and open a workspace first');
  return core;
}

/** Pulls the change log once a call moved hosts, so the certificates page shows it at once. */
async function thenSync<T extends { ok: boolean }>(core: DesktopCore, result: T): Promise<T> {
  if (result.ok) await core.engine.syncNow();
  return result;
}

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
