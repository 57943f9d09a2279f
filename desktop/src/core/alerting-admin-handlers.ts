import type { z } from 'zod';
import type { AlertingAdminOutputs, alertingAdminCalls } from '../bridge/alerting-admin.ts';
import {
  channelDeliveries,
  listChannels,
  listRules,
  previewRule,
  removeChannel,
  removeRule,
  ruleTargets,
  saveChannel,
  saveRule,
  setChannelEnabled,
  testChannel,
} from './alerting-admin-online.ts';
import type { BridgeContext } from './bridge-handlers.ts';
import type { DesktopCore } from './desktop-core.ts';
import { openCore, thenSync } from './handler-kit.ts';

type Call = keyof typeof alertingAdminCalls;
type Parsed<C extends Call> = z.output<(typeof alertingAdminCalls)[C]['input']>;

/** Runs a change on the open core, then syncs. */
const changing =
  <I, T extends { ok: boolean }>(fn: (core: DesktopCore, input: I) => Promise<T>) =>
  async (input: I, ctx: BridgeContext): Promise<T> => {
    const core = openCore(ctx);
    return thenSync(core, await fn(core, input));
  };

/** How the alerting admin calls of the contract are served (spread into HANDLERS). */
export const ALERTING_ADMIN_HANDLERS: {
  [C in Call]: (
    input: Parsed<C>,
    ctx: BridgeContext,
  ) => AlertingAdminOutputs[C] | Promise<AlertingAdminOutputs[C]>;
} = {
  'alertRules.list': (_input, ctx) => listRules(openCore(ctx)),
  'alertRules.targets': (_input, { app }) => (app.core ? ruleTargets(app.core) : { hosts: [], tags: [] }),
  'alertRules.preview': (draft, ctx) => previewRule(openCore(ctx), draft),
  'alertRules.save': changing(saveRule),
  'alertRules.remove': changing((core, { id }: Parsed<'alertRules.remove'>) => removeRule(core, id)),
  'channels.list': (_input, ctx) => listChannels(openCore(ctx)),
  'channels.save': changing(saveChannel),
  'channels.test': ({ id }, ctx) => testChannel(openCore(ctx), id),
  'channels.deliveries': ({ id }, ctx) => channelDeliveries(openCore(ctx), id),
  'channels.setEnabled': changing((core, { id, enabled }: Parsed<'channels.setEnabled'>) =>
    setChannelEnabled(core, id, enabled),
  ),
  'channels.remove': changing((core, { id }: Parsed<'channels.remove'>) => removeChannel(core, id)),
};
