import { actionSchema, type BridgeCall, bridgeCalls, type BridgeOutputs } from '../bridge/contract.ts';
import type { DesktopCore } from './desktop-core.ts';
import { inbox } from './replica/queries.ts';

/**
 * Serves one bridge call against the core. Inputs are validated with the contract's schemas
 * here, on the trusted side, whichever transport (IPC or loopback HTTP) delivered them.
 */
export async function handleBridgeCall<C extends BridgeCall>(
  core: DesktopCore,
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
  return (await serve(core, name, input)) as BridgeOutputs[C];
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
      return inbox(core.db);
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
      core.store.takeConflict((input as { clientId: string }).clientId);
      core.engine.notifyState();
      return { ok: true };
    case 'conflicts.redo': {
      const conflict = core.store.takeConflict((input as { clientId: string }).clientId);
      const action = actionSchema.safeParse({ kind: conflict?.kind, args: conflict?.args });
      const clientId = action.success ? core.act(action.data) : undefined;
      core.engine.notifyState();
      return { clientId };
    }
    case 'sync.now':
      await core.engine.syncNow();
      return core.engine.state();
    default: {
      const never: never = name;
      throw new BridgeInputError(`unknown bridge call ${String(never)}`);
    }
  }
}
