import type { z } from 'zod';
import type { AgentsAdminOutputs, agentsAdminCalls } from '../bridge/agents-admin.ts';
import type { BridgeContext } from './bridge-handlers.ts';

type Call = keyof typeof agentsAdminCalls;
type Parsed<C extends Call> = z.output<(typeof agentsAdminCalls)[C]['input']>;

/** How the agents admin calls of the contract are served (spread into HANDLERS). */
export const AGENTS_ADMIN_HANDLERS: {
  [C in Call]: (
    input: Parsed<C>,
    ctx: BridgeContext,
  ) => AgentsAdminOutputs[C] | Promise<AgentsAdminOutputs[C]>;
} = {};
