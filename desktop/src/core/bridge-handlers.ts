import { actionSchema, type BridgeCall, bridgeCalls, type BridgeOutputs } from '../bridge/contract.ts';
import { type DesktopApp, SessionError } from './desktop-app.ts';
import type { DesktopCore } from './desktop-core.ts';
import { alertDetail, inbox } from './replica/queries.ts';
import { addHost, refreshHistory } from './hosts-online.ts';
import { hostDetail, hostList } from './replica/inventory.ts';

/**
 * What a shell gives the bridge: the app (session and open core) and how this shell signs a
 * person in (Electron opens the system browser; the host sends the page to its /auth/start).
 */
export type BridgeContext = {
  app: DesktopApp;
  signIn(): Promise<BridgeOutputs['session.signIn']>;
};

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
  const spec = bridgeCalls[name];
  if (!spec) throw new BridgeInputError(`unknown bridge call ${String(name)}`);
  const parsed = spec.input.safeParse(rawInput ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BridgeInputError(`${issue?.path.join('.') || 'input'}: ${issue?.message ?? 'invalid'}`);
  }
  const input = parsed.data as never;
  try {
    return (await serveSession(ctx, name, input)) as BridgeOutputs[C];
  } catch (err) {
    // Expected refusals (signed out, not a member, a fixed workspace) go back in plain words.
    if (err instanceof SessionError) throw new BridgeInputError(err.message, { cause: err });
    throw err;
  }
}

/** Session calls, and the reads that have an answer with no workspace open; the rest need a core. */
async function serveSession(ctx: BridgeContext, name: BridgeCall, input: never): Promise<unknown> {
  const { app } = ctx;
  if (name === 'session') return app.session();
  if (name === 'session.signIn') return ctx.signIn();
  if (name === 'session.signOut') return app.signOut();
  if (name === 'workspace.switch') return app.switchWorkspace((input as { workspace: string }).workspace);
  if (name === 'state') return app.syncState();
  const core = app.core;
  if (core) return serve(core, name, input);
  if (name === 'inbox' || name === 'audit.search' || name === 'hosts.list') return [];
  throw new SessionError('signed_out', 'sign in and open a workspace first');
}

/** A bad call from the renderer: reported back with the field it names, never a crash. */
export class BridgeInputError extends Error {
  override name = 'BridgeInputError';
}

async function serve(core: DesktopCore, name: BridgeCall, input: never): Promise<unknown> {
  switch (name) {
    case 'state':
      return core.engine.state();
    case 'inbox':
      return inbox(core.db, core.clock());
    case 'alerts.detail':
      return alertDetail(core.db, (input as { alertId: string }).alertId);
    case 'act':
      return { clientId: core.act(actionSchema.parse(input)) };
    case 'audit.search':
      return core.audit.search(input);
    case 'audit.verify':
      return core.audit.verify();
    case 'audit.export': {
      const { format, ...query } = input as { format: 'csv' | 'jsonl' };
      const slug = core.engine.state().workspace?.slug ?? 'workspace';
      return {
        filename: `${slug}-audit.${format}`,
        mime: format === 'csv' ? 'text/csv' : 'application/x-ndjson',
        body: core.audit.export(query, format),
      };
    }
    case 'conflicts.dismiss':
      core.store.conflicts.take((input as { clientId: string }).clientId);
      core.engine.notifyState();
      return { ok: true };
    case 'conflicts.redo': {
      const conflict = core.store.conflicts.take((input as { clientId: string }).clientId);
      const action = actionSchema.safeParse({ kind: conflict?.kind, args: conflict?.args });
      const clientId = action.success ? core.act(action.data) : undefined;
      core.engine.notifyState();
      return { clientId };
    }
    case 'sync.now':
      await core.engine.syncNow();
      return core.engine.state();
    case 'hosts.list':
      return hostList(core.db, input, core.clock());
    case 'hosts.detail':
      return hostDetail(core.db, (input as { hostId: string }).hostId, core.clock());
    case 'hosts.history': {
      const { hostId, days } = input as { hostId: string; days: number };
      return refreshHistory(core, hostId, days);
    }
    case 'hosts.add': {
      const added = await addHost(core, input);
      // The new host arrives through the change log like any other row.
      if (added.ok) void core.engine.syncNow();
      return added;
    }
    case 'session':
    case 'session.signIn':
    case 'session.signOut':
    case 'workspace.switch':
      throw new BridgeInputError(`${name} is a session call`); // served by serveSession
    default: {
      const never: never = name;
      throw new BridgeInputError(`unknown bridge call ${String(never)}`);
    }
  }
}
