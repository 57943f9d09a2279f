// Preload: exposes only the bridge (context isolation on, no Node in the renderer).
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { BridgeEvent, BridgeTransport } from '../bridge/contract.ts';

const bridge: BridgeTransport = {
  call: (name, input) => ipcRenderer.invoke('bridge:call', name, input),
  subscribe(listener) {
    const handler = (_e: IpcRendererEvent, event: BridgeEvent) => listener(event);
    ipcRenderer.on('bridge:event', handler);
    return () => ipcRenderer.removeListener('bridge:event', handler);
  },
};

contextBridge.exposeInMainWorld('vigiloBridge', bridge);
