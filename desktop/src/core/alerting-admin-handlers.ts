import type { z } from 'zod';
import type { AlertingAdminOutputs, alertingAdminCalls } from '../bridge/alerting-admin.ts';
import type { BridgeContext } from './bridge-handlers.ts';

type Call = keyof typeof alertingAdminCalls;
type Parsed<C extends Call> = z.output<(typeof alertingAdminCalls)[C]['input']>;

/** How the alerting admin calls of the contract are served (spread into HANDLERS). */
export const ALERTING_ADMIN_HANDLERS: {
  [C in Call]: (
    input: Parsed<C>,
    ctx: BridgeContext,
  ) => AlertingAdminOutputs[C] | Promise<AlertingAdminOutputs[C]>;
} = {};
