import type { z } from 'zod';
import type { ReliabilityOutputs, reliabilityCalls } from '../bridge/reliability.ts';
import type { BridgeContext } from './bridge-handlers.ts';
import {
  listStatusPages,
  removeSlo,
  removeStatusPage,
  saveSlo,
  saveStatusPage,
  setStatusPageComponents,
} from './reliability-online.ts';
import { postStatusNotice, postStatusUpdate } from './status-notices-online.ts';
import { openCore } from './handler-kit.ts';
import { listSlosOrReplica } from './slos-replica.ts';

type Call = keyof typeof reliabilityCalls;
type Parsed<C extends Call> = z.output<(typeof reliabilityCalls)[C]['input']>;

/** How the reliability calls of the contract are served (spread into HANDLERS). */
export const RELIABILITY_HANDLERS: {
  [C in Call]: (
    input: Parsed<C>,
    ctx: BridgeContext,
  ) => ReliabilityOutputs[C] | Promise<ReliabilityOutputs[C]>;
} = {
  'slos.list': (_input, ctx) => listSlosOrReplica(openCore(ctx)),
  'slos.save': (draft, ctx) => saveSlo(openCore(ctx), draft),
  'slos.remove': ({ id }, ctx) => removeSlo(openCore(ctx), id),
  'statusPages.list': (_input, ctx) => listStatusPages(openCore(ctx)),
  'statusPages.save': (draft, ctx) => saveStatusPage(openCore(ctx), draft),
  'statusPages.remove': ({ id }, ctx) => removeStatusPage(openCore(ctx), id),
  'statusPages.setComponents': ({ id, components }, ctx) =>
    setStatusPageComponents(openCore(ctx), id, components),
  'statusPages.postNotice': (draft, ctx) => postStatusNotice(openCore(ctx), draft),
  'statusPages.postUpdate': (draft, ctx) => postStatusUpdate(openCore(ctx), draft),
};
