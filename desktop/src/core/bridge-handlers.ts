import { auditExportMime } from '@vigilo/shared/audit-export';
import type { z } from 'zod';
import {
  actionSchema,
  type BridgeCall,
  bridgeCalls,
  type BridgeInput,
  type BridgeOutputs,
} from '../bridge/contract.ts';
import { type DesktopApp, SessionError } from './desktop-app.ts';
import { CHANGE_ADMIN_HANDLERS } from './change-admin-handlers.ts';
import { COMPLIANCE_HANDLERS } from './compliance-handlers.ts';
import { ALERTING_ADMIN_HANDLERS } from './alerting-admin-handlers.ts';
import { PEOPLE_ADMIN_HANDLERS } from './people-admin-handlers.ts';
import { AGENTS_ADMIN_HANDLERS } from './agents-admin-handlers.ts';
import { ONCALL_HANDLERS } from './oncall-handlers.ts';
import { RELIABILITY_HANDLERS } from './reliability-handlers.ts';
import { createChange, draftRenewal, openIncident, transitionChange } from './changes-online.ts';
import { addHost, refreshHistory } from './hosts-online.ts';
import { myApprovals } from './replica/approvals.ts';
import { changeDetail, changeList } from './replica/changes.ts';
import { incidentDetail, incidentList } from './replica/incidents.ts';
import { hostDetail, hostList } from './replica/inventory.ts';
import { alertDetail, inbox } from './replica/queries.ts';
import { openCore } from './handler-kit.ts';

/**
 * What a shell gives the bridge: the app (session and open core) and how this shell signs a
 * person in (Electron opens the system browser; the host sends the page to its /auth/start).
 */
export type BridgeContext = {
  app: DesktopApp;
  signIn(): Promise<BridgeOutputs['session.signIn']>;
};

/** A call's input once its schema parsed it (defaults filled in). */
type Parsed<C extends BridgeCall> = z.output<(typeof bridgeCalls)[C]['input']>;

/** The contract's input schemas, each typed by its own call (so a parse keeps the call's type). */
const INPUTS: { [C in BridgeCall]: { input: z.ZodType<Parsed<C>, BridgeInput<C>> } } = bridgeCalls;

/** A bad call from the renderer: reported back with the field it names, never a crash. */
export class BridgeInputError extends Error {
  override name = 'BridgeInputError';
}

/**
 * Serves one bridge call against the app and its open core. Inputs are validated with the
 * contract's schemas here, on the trusted side, whichever transport (IPC or loopback HTTP)
 * delivered them.
 */
export async function handleBridgeCall<C extends BridgeCall>(
  ctx: BridgeContext,
  name: C,
  rawInput: unknown,
): Promise<BridgeOutputs[C]> {
  if (!Object.hasOwn(INPUTS, name)) throw new BridgeInputError(`unknown bridge call ${String(name)}`);
  const parsed = INPUTS[name].input.safeParse(rawInput ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BridgeInputError(`${issue?.path.join('.') || 'input'}: ${issue?.message ?? 'invalid'}`);
  }
  try {
    return await HANDLERS[name](parsed.data, ctx);
  } catch (err) {
    // Expected refusals (signed out, not a member, a fixed workspace) go back in plain words.
    if (err instanceof SessionError) throw new BridgeInputError(err.message, { cause: err });
    throw err;
  }
}

/**
 * Every call of the contract and how it is served. Exhaustive: a call added to the contract
 * fails to compile until it is served here. Session calls and the lists have an answer with no
 * workspace open; the rest need the open core.
 */
const HANDLERS: {
  [C in BridgeCall]: (input: Parsed<C>, ctx: BridgeContext) => BridgeOutputs[C] | Promise<BridgeOutputs[C]>;
} = {
  state: (_input, { app }) => app.syncState(),
  inbox: (_input, { app }) => (app.core ? inbox(app.core.db, app.core.clock(), app.core.me()) : []),
  'alerts.detail': ({ alertId }, ctx) => alertDetail(openCore(ctx).db, alertId),
  act: (action, ctx) => ({ clientId: openCore(ctx).act(action) }),
  'audit.search': (query, { app }) => app.core?.audit.search(query) ?? [],
  'audit.verify': (_input, ctx) => openCore(ctx).audit.verify(),
  'audit.export': ({ format, ...query }, ctx) => {
    const core = openCore(ctx);
    const slug = core.engine.state().workspace?.slug ?? 'workspace';
    return {
      filename: `${slug}-audit.${format}`,
      mime: auditExportMime(format),
      body: core.audit.export(query, format),
    };
  },
  'conflicts.dismiss': ({ clientId }, ctx) => {
    const core = openCore(ctx);
    core.store.conflicts.take(clientId);
    core.engine.notifyState();
    return { ok: true };
  },
  'conflicts.redo': ({ clientId }, ctx) => {
    const core = openCore(ctx);
    const conflict = core.store.conflicts.take(clientId);
    const action = actionSchema.safeParse({ kind: conflict?.kind, args: conflict?.args });
    const redone = action.success ? core.act(action.data) : undefined;
    core.engine.notifyState();
    return { clientId: redone };
  },
  'sync.now': async (_input, ctx) => {
    const core = openCore(ctx);
    await core.engine.syncNow();
    return core.engine.state();
  },
  'hosts.list': (filter, { app }) => (app.core ? hostList(app.core.db, filter, app.core.clock()) : []),
  'hosts.detail': ({ hostId }, ctx) => {
    const core = openCore(ctx);
    return hostDetail(core.db, hostId, core.clock());
  },
  'hosts.history': ({ hostId, days }, ctx) => refreshHistory(openCore(ctx), hostId, days),
  'hosts.add': async (host, ctx) => {
    const core = openCore(ctx);
    const added = await addHost(core, host);
    // The new host arrives through the change log like any other row.
    if (added.ok) void core.engine.syncNow();
    return added;
  },
  'approvals.mine': (_input, { app }) =>
    app.core ? myApprovals(app.core.db, app.core.me(), app.core.clock()) : [],
  'changes.list': (filter, { app }) =>
    app.core ? changeList(app.core.db, filter, app.core.me(), app.core.clock()) : [],
  'changes.detail': ({ changeId }, ctx) => {
    const core = openCore(ctx);
    const detail = changeDetail(core.db, changeId, core.me(), core.clock());
    // The audit copy holds rows only for roles that read the audit log: empty for the others.
    return detail && { ...detail, audit: core.audit.search({ targetId: changeId, limit: 500 }) };
  },
  'changes.create': async (draft, ctx) => {
    const core = openCore(ctx);
    const created = await createChange(core, draft);
    // The new change (and its approval requests) arrive through the change log: pulled before
    // answering, so the page can open it at once.
    if (created.ok) await core.engine.syncNow();
    return created;
  },
  'changes.transition': async (move, ctx) => {
    const core = openCore(ctx);
    const moved = await transitionChange(core, move);
    if (moved.ok) await core.engine.syncNow();
    return moved;
  },
  'changes.draftRenewal': async ({ alertId }, ctx) => {
    const core = openCore(ctx);
    const drafted = await draftRenewal(core, alertId);
    if (drafted.ok) await core.engine.syncNow();
    return drafted;
  },
  'incidents.list': (filter, { app }) => (app.core ? incidentList(app.core.db, filter) : []),
  'incidents.detail': ({ incidentId }, ctx) => incidentDetail(openCore(ctx).db, incidentId),
  'incidents.open': async (input, ctx) => {
    const core = openCore(ctx);
    const opened = await openIncident(core, input);
    if (opened.ok) await core.engine.syncNow();
    return opened;
  },
  session: (_input, { app }) => app.session(),
  'session.signIn': (_input, ctx) => ctx.signIn(),
  'session.signOut': (_input, { app }) => app.signOut(),
  'workspace.switch': ({ workspace }, { app }) => app.switchWorkspace(workspace),
  ...CHANGE_ADMIN_HANDLERS,
  ...COMPLIANCE_HANDLERS,
  ...ALERTING_ADMIN_HANDLERS,
  ...PEOPLE_ADMIN_HANDLERS,
  ...AGENTS_ADMIN_HANDLERS,
  ...ONCALL_HANDLERS,
  ...RELIABILITY_HANDLERS,
};
