import type { z } from 'zod';
import type { ChangeAdminOutputs, changeAdminCalls } from '../bridge/change-admin.ts';
import type { BridgeContext } from './bridge-handlers.ts';
import {
  createDelegation,
  createFreezeWindow,
  decideAtCab,
  listDelegations,
  listFreezeWindows,
  listMeetings,
  removeDelegation,
  removeFreezeWindow,
} from './calendar-online.ts';
import {
  approveTemplate,
  createTemplate,
  editChange,
  listPolicies,
  listTemplates,
  removePolicy,
  savePolicy,
} from './change-admin-online.ts';
import type { DesktopCore } from './desktop-core.ts';
import { openCore, thenSync } from './handler-kit.ts';

type Call = keyof typeof changeAdminCalls;
type Parsed<C extends Call> = z.output<(typeof changeAdminCalls)[C]['input']>;

/** Lists the members' names the replica keeps, by name (the pickers of approvers and delegates). */
function people(core: DesktopCore): ChangeAdminOutputs['people.list'] {
  return core.db
    .prepare<[], { id: string; name: string }>(
      'SELECT user_id AS id, COALESCE(name, email, user_id) AS name FROM people ORDER BY 2',
    )
    .all();
}

/** How the change-administration calls of the contract are served (spread into HANDLERS). */
export const CHANGE_ADMIN_HANDLERS: {
  [C in Call]: (
    input: Parsed<C>,
    ctx: BridgeContext,
  ) => ChangeAdminOutputs[C] | Promise<ChangeAdminOutputs[C]>;
} = {
  'people.list': (_input, { app }) => (app.core ? people(app.core) : []),
  'policies.list': (_input, ctx) => listPolicies(openCore(ctx)),
  'policies.save': async (draft, ctx) => savePolicy(openCore(ctx), draft),
  'policies.remove': ({ id }, ctx) => removePolicy(openCore(ctx), id),
  'templates.list': (_input, ctx) => listTemplates(openCore(ctx)),
  'templates.create': (draft, ctx) => createTemplate(openCore(ctx), draft),
  'templates.approve': ({ id }, ctx) => approveTemplate(openCore(ctx), id),
  'delegations.list': (_input, ctx) => {
    const core = openCore(ctx);
    return listDelegations(core, core.me());
  },
  'delegations.create': async (draft, ctx) => {
    const core = openCore(ctx);
    return thenSync(core, await createDelegation(core, draft));
  },
  'delegations.remove': async ({ id }, ctx) => {
    const core = openCore(ctx);
    return thenSync(core, await removeDelegation(core, id));
  },
  'freezeWindows.list': (_input, ctx) => listFreezeWindows(openCore(ctx)),
  'freezeWindows.create': (draft, ctx) => createFreezeWindow(openCore(ctx), draft),
  'freezeWindows.remove': ({ id }, ctx) => removeFreezeWindow(openCore(ctx), id),
  'cab.list': (_input, ctx) => listMeetings(openCore(ctx)),
  'cab.decide': async (draft, ctx) => {
    const core = openCore(ctx);
    return thenSync(core, await decideAtCab(core, draft));
  },
  'changes.edit': async (edit, ctx) => {
    const core = openCore(ctx);
    return thenSync(core, await editChange(core, edit));
  },
};
