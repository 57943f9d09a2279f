import type { z } from 'zod';
import type { PeopleAdminOutputs, peopleAdminCalls } from '../bridge/people-admin.ts';
import type { BridgeContext } from './bridge-handlers.ts';
import {
  cancelMaintenance,
  createApiToken,
  inviteMember,
  liftSnooze,
  listApiTokens,
  listMaintenance,
  listMembers,
  listSnoozes,
  removeMember,
  revokeApiToken,
  saveMaintenance,
  setMemberRole,
} from './people-admin-online.ts';
import { openCore, thenSync } from './handler-kit.ts';

type Call = keyof typeof peopleAdminCalls;
type Parsed<C extends Call> = z.output<(typeof peopleAdminCalls)[C]['input']>;

/** How the people admin calls of the contract are served (spread into HANDLERS). */
export const PEOPLE_ADMIN_HANDLERS: {
  [C in Call]: (
    input: Parsed<C>,
    ctx: BridgeContext,
  ) => PeopleAdminOutputs[C] | Promise<PeopleAdminOutputs[C]>;
} = {
  'members.list': (_input, ctx) => listMembers(openCore(ctx)),
  'members.invite': (draft, ctx) => inviteMember(openCore(ctx), draft),
  'members.setRole': async (draft, ctx) => {
    const core = openCore(ctx);
    return thenSync(core, await setMemberRole(core, draft));
  },
  'members.remove': async ({ email }, ctx) => {
    const core = openCore(ctx);
    return thenSync(core, await removeMember(core, email));
  },
  'apiTokens.list': (_input, ctx) => listApiTokens(openCore(ctx)),
  'apiTokens.create': (draft, ctx) => createApiToken(openCore(ctx), draft),
  'apiTokens.revoke': ({ id }, ctx) => revokeApiToken(openCore(ctx), id),
  'maintenance.list': (_input, ctx) => listMaintenance(openCore(ctx)),
  'maintenance.save': (draft, ctx) => saveMaintenance(openCore(ctx), draft),
  'maintenance.cancel': ({ id }, ctx) => cancelMaintenance(openCore(ctx), id),
  'snoozes.list': (_input, ctx) => listSnoozes(openCore(ctx)),
  'snoozes.lift': async ({ id }, ctx) => {
    const core = openCore(ctx);
    return thenSync(core, await liftSnooze(core, id));
  },
};
