import type {
  BridgeCall,
  BridgeEvent,
  BridgeInput,
  BridgeOutputs,
  BridgeTransport,
} from '../../bridge/contract.ts';

declare global {
  interface Window {
    /** Set by the Electron preload: the bridge over IPC. Absent in a browser (then HTTP + WS). */
    vigiloBridge?: BridgeTransport;
  }
}

/**
 * The bridge over the host's loopback HTTP (calls) and WebSocket (events). The per-run key comes
 * in the URL fragment once and is kept for the tab's life, never sent to any other origin.
 */
export function httpTransport(): BridgeTransport {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('key');
  if (fromHash) {
    sessionStorage.setItem('vigilo-bridge-key', fromHash);
    history.replaceState(null, '', location.pathname);
  }
  const key = sessionStorage.getItem('vigilo-bridge-key') ?? '';
  const listeners = new Set<(e: BridgeEvent) => void>();
  let socket: WebSocket | undefined;
  const connect = () => {
    socket = new WebSocket(
      `${location.origin.replace(/^http/, 'ws')}/bridge/events?key=${encodeURIComponent(key)}`,
    );
    socket.onmessage = (m) => listeners.forEach((l) => l(JSON.parse(String(m.data)) as BridgeEvent));
    // 4401: this page's key is not the host's (an old tab after a restart). Retrying cannot
    // help; say what to do instead of reconnecting forever.
    socket.onclose = (e) => {
      if (e.code === 4401) {
        const event: BridgeEvent = { type: 'key_refused' };
        listeners.forEach((l) => l(event));
        return;
      }
      setTimeout(connect, 1000);
    };
  };
  connect();
  return {
    async call<C extends BridgeCall>(name: C, input: BridgeInput<C>): Promise<BridgeOutputs[C]> {
      const res = await fetch(`/bridge/${name}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-vigilo-key': key },
        body: JSON.stringify(input),
      });
      const body = (await res.json()) as { result?: BridgeOutputs[C]; error?: string };
      if (!res.ok) throw new Error(body.error ?? `bridge call ${name} failed (${res.status})`);
      // Needed where the output type includes undefined; typed lint resolves the indexed type
      // differently from run to run (sometimes to the same type), so it may call it unnecessary.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
      return body.result as BridgeOutputs[C];
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** IPC in Electron, loopback HTTP in a browser: the rest of the renderer cannot tell. */
export const bridge: BridgeTransport = window.vigiloBridge ?? httpTransport();
