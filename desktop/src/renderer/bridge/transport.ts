import type {
  BridgeCall,
  BridgeEvent,
  BridgeInput,
  BridgeOutputs,
  BridgeTransport,
} from '../../bridge/contract.ts';
import { errorInWords } from '../../bridge/error-words.ts';
import { KEY_REFUSED_MESSAGE, useBridgeLink } from './link.ts';

declare global {
  interface Window {
    /** Set by the Electron preload: the bridge over IPC. Absent in a browser (then HTTP + WS). */
    vigiloBridge?: BridgeTransport;
  }
}

/** Takes the key from the URL fragment (then removes it from the address bar), if one is there. */
function keyFromHash(): string | undefined {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('key');
  if (!fromHash) return undefined;
  sessionStorage.setItem('vigilo-bridge-key', fromHash);
  history.replaceState(null, '', location.pathname);
  return fromHash;
}

/**
 * The bridge over the host’s loopback HTTP (calls) and WebSocket (events). The host’s key comes
 * in the URL fragment and is kept for the tab's life, never sent to any other origin. A new key
 * pasted into an open tab (the desktop was restarted) is a fragment change, which browsers do not
 * reload for: the page reloads itself with it, so every page reads afresh from the new run.
 */
export function httpTransport(): BridgeTransport {
  keyFromHash();
  const key = sessionStorage.getItem('vigilo-bridge-key') ?? '';
  window.addEventListener('hashchange', () => {
    const next = keyFromHash();
    if (next !== undefined && (next !== key || useBridgeLink.getState().refused)) location.reload();
  });
  const listeners = new Set<(e: BridgeEvent) => void>();
  const refused = () => {
    if (useBridgeLink.getState().refused) return;
    useBridgeLink.setState({ refused: true });
    const event: BridgeEvent = { type: 'key_refused' };
    listeners.forEach((l) => l(event));
  };
  let lost = false;
  const connect = () => {
    const socket = new WebSocket(
      `${location.origin.replace(/^http/, 'ws')}/bridge/events?key=${encodeURIComponent(key)}`,
    );
    socket.onopen = () => {
      if (!lost) return;
      lost = false;
      useBridgeLink.setState((l) => ({ reconnects: l.reconnects + 1 }));
    };
    socket.onmessage = (m) => listeners.forEach((l) => l(JSON.parse(String(m.data)) as BridgeEvent));
    // 4401: this page's key is not the host's (an old tab after a restart). Retrying cannot
    // help; say what to do instead of reconnecting forever.
    socket.onclose = (e) => {
      if (e.code === 4401) {
        refused();
        return;
      }
      lost = true;
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
      if (res.status === 401) {
        refused();
        throw new Error(KEY_REFUSED_MESSAGE);
      }
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

/**
 * Every refusal a call throws reaches the page in words: whatever the transport, a validation
 * failure's JSON becomes the fields and what is wrong with them (the banner shows it as it is).
 */
function inWords(transport: BridgeTransport): BridgeTransport {
  return {
    async call(name, input) {
      try {
        return await transport.call(name, input);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const words = errorInWords(message);
        throw words === message && err instanceof Error ? err : new Error(words, { cause: err });
      }
    },
    subscribe: (listener) => transport.subscribe(listener),
  };
}

/** IPC in Electron, loopback HTTP in a browser: the rest of the renderer cannot tell. */
export const bridge: BridgeTransport = inWords(window.vigiloBridge ?? httpTransport());
