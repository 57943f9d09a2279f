import type { z } from 'zod';
import type { OncallOutputs, oncallCalls } from '../bridge/oncall.ts';
import type { BridgeContext } from './bridge-handlers.ts';
import {
  addOverride,
  createRotation,
  oncallOverview,
  removeOverride,
  removePolicy,
  routeRule,
  savePolicy,
} from './oncall-online.ts';
import { openCore, thenSync } from './handler-kit.ts';

type Call = keyof typeof oncallCalls;
type Parsed<C extends Call> = z.output<(typeof oncallCalls)[C]['input']>;

/** How the oncall calls of the contract are served (spread into HANDLERS). */
export const ONCALL_HANDLERS: {
  [C in Call]: (input: Parsed<C>, ctx: BridgeContext) => OncallOutputs[C] | Promise<OncallOutputs[C]>;
} = {
  'oncall.overview': (_input, ctx) => {
    const core = openCore(ctx);
    return oncallOverview(core.db, core.me(), core.clock());
  },
  'oncall.createRotation': async (draft, ctx) => {
    const core = openCore(ctx);
    return thenSync(core, await createRotation(core, draft));
  },
  'oncall.addOverride': async (draft, ctx) => {
    const core = openCore(ctx);
    return thenSync(core, await addOverride(core, draft));
  },
  'oncall.removeOverride': async ({ id }, ctx) => {
    const core = openCore(ctx);
    return thenSync(core, await removeOverride(core, id));
  },
  'oncall.savePolicy': async (draft, ctx) => {
    const core = openCore(ctx);
    return thenSync(core, await savePolicy(core, draft));
  },
  'oncall.removePolicy': async ({ id }, ctx) => {
    const core = openCore(ctx);
    return thenSync(core, await removePolicy(core, id));
  },
  'oncall.route': async (draft, ctx) => {
    const core = openCore(ctx);
    return thenSync(core, await routeRule(core, draft));
  },
};
