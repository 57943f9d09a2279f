import { useCallback, useEffect, useState } from 'react';
import type { BridgeCall, BridgeInput, BridgeOutputs } from '../../../bridge/contract.ts';
import { bridge } from '../../bridge/transport.ts';

/**
 * Reads one bridge call and reads it again whenever the core says one of `tables` changed (a
 * pull, an online write): the pages mirror the replica, never keep their own copy. `undefined`
 * until the first answer; a refusal (no workspace open yet) leaves it there.
 */
export function useBridge<C extends BridgeCall>(
  name: C,
  input: BridgeInput<C>,
  tables: readonly string[],
): { data: BridgeOutputs[C] | undefined; reload: () => Promise<void> } {
  const [data, setData] = useState<BridgeOutputs[C] | undefined>();
  const key = JSON.stringify(input);
  const reload = useCallback(async () => {
    try {
      setData(await bridge.call(name, JSON.parse(key) as BridgeInput<C>));
    } catch {
      setData(undefined); // signed out or no workspace open yet
    }
  }, [name, key]);
  useEffect(() => {
    void reload();
    return bridge.subscribe((e) => {
      if (e.type === 'session' || (e.type === 'changed' && e.tables.some((t) => tables.includes(t))))
        void reload();
    });
    // `tables` is a module constant at every call site, so `reload` alone says when to resubscribe.
  }, [reload]);
  return { data, reload };
}
