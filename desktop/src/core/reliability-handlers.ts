import type { z } from 'zod';
import type { ReliabilityOutputs, reliabilityCalls } from '../bridge/reliability.ts';
import type { BridgeContext } from './bridge-handlers.ts';

type Call = keyof typeof reliabilityCalls;
type Parsed<C extends Call> = z.output<(typeof reliabilityCalls)[C]['input']>;

/** How the reliability calls of the contract are served (spread into HANDLERS). */
export const RELIABILITY_HANDLERS: {
  [C in Call]: (
    input: Parsed<C>,
    ctx: BridgeContext,
  ) => ReliabilityOutputs[C] | Promise<ReliabilityOutputs[C]>;
} = {};
