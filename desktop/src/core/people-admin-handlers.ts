import type { z } from 'zod';
import type { PeopleAdminOutputs, peopleAdminCalls } from '../bridge/people-admin.ts';
import type { BridgeContext } from './bridge-handlers.ts';

type Call = keyof typeof peopleAdminCalls;
type Parsed<C extends Call> = z.output<(typeof peopleAdminCalls)[C]['input']>;

/** How the people admin calls of the contract are served (spread into HANDLERS). */
export const PEOPLE_ADMIN_HANDLERS: {
  [C in Call]: (
    input: Parsed<C>,
    ctx: BridgeContext,
  ) => PeopleAdminOutputs[C] | Promise<PeopleAdminOutputs[C]>;
} = {};
