import type { z } from 'zod';
import type { OncallOutputs, oncallCalls } from '../bridge/oncall.ts';
import type { BridgeContext } from './bridge-handlers.ts';

type Call = keyof typeof oncallCalls;
type Parsed<C extends Call> = z.output<(typeof oncallCalls)[C]['input']>;

/** How the oncall calls of the contract are served (spread into HANDLERS). */
export const ONCALL_HANDLERS: {
  [C in Call]: (input: Parsed<C>, ctx: BridgeContext) => OncallOutputs[C] | Promise<OncallOutputs[C]>;
} = {};
