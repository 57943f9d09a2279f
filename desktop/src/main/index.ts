// Electron main: window, tray, notifications, single instance, deep links. It only wires the
// desktop core to the renderer through the bridge over IPC; all logic lives in ../core (tested
// under Node, since no Electron binary can run in CI here).
import path from 'node:path';
import { app, BrowserWindow, ipcMain, nativeImage, Notification, shell, Tray } from 'electron';
import { type BridgeCall, bridgeCalls, type BridgeEvent } from '../bridge/contract.ts';
import { handleBridgeCall } from '../core/bridge-handlers.ts';
import { DesktopCore } from '../core/desktop-core.ts';
import { signInWithBrowser, tokenSource } from '../core/session/oidc.ts';
import { safeTokenStore } from './safe-token-store.ts';

const serverUrl = process.env.VIGILO_SERVER_URL ?? 'http://127.0.0.1:7300';
const workspace = process.env.VIGILO_WORKSPACE ?? 'demo';

if (!app.requestSingleInstanceLock()) app.quit();
app.setAsDefaultProtocolClient('vigilo');

let window: BrowserWindow | undefined;
let tray: Tray | undefined;

/** vigilo://<workspace>/<kind>/<id>: focus the window and tell the renderer what to open. */
function openDeepLink(url: string | undefined): void {
  if (!url?.startsWith('vigilo://') || !window) return;
  if (window.isMinimized()) window.restore();
  window.focus();
  window.webContents.send('bridge:navigate', url);
}

app.on('second-instance', (_e, argv) => openDeepLink(argv.find((a) => a.startsWith('vigilo://'))));
app.on('open-url', (_e, url) => openDeepLink(url));

async function start(): Promise<void> {
  await app.whenReady();
  const store = safeTokenStore(path.join(app.getPath('userData'), 'tokens.bin'));
  if (!store.load()) {
    store.save(
      await signInWithBrowser({
        issuer: `${serverUrl}/oidc`,
        serverUrl,
        openBrowser: (url) => shell.openExternal(url),
      }),
    );
  }
  const core = new DesktopCore({
    dataDir: app.getPath('userData'),
    serverUrl,
    workspace,
    token: tokenSource(store),
    schedule: (fn, ms) => {
      const t = setTimeout(fn, ms);
      return () => clearTimeout(t);
    },
    dev: store.load()?.issuer === `${serverUrl}/oidc`,
  });

  ipcMain.handle('bridge:call', (_e, name: unknown, input: unknown) => {
    if (typeof name !== 'string' || !Object.hasOwn(bridgeCalls, name)) throw new Error('no such bridge call');
    return handleBridgeCall(core, name as BridgeCall, input);
  });
  core.subscribe((event: BridgeEvent) => {
    window?.webContents.send('bridge:event', event);
    if (event.type === 'notify') {
      const n = new Notification({ title: event.title, body: event.body });
      n.on('click', () => openDeepLink(event.target));
      n.show();
    }
    if (event.type === 'changed' || event.type === 'state') {
      void handleBridgeCall(core, 'inbox', {}).then((items) =>
        tray?.setToolTip(`Vigilo: ${items.filter((i) => !i.acknowledged).length} open`),
      );
    }
  });

  tray = new Tray(nativeImage.createEmpty());
  window = new BrowserWindow({
    width: 1200,
    height: 800,
    webPreferences: {
      // Sandboxed preloads must be CommonJS.
      preload: path.join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
    },
  });
  // No navigation away from the app and no new windows: links open in the system browser.
  window.webContents.setWindowOpenHandler(({ url }) => {
    void shell.openExternal(url);
    return { action: 'deny' };
  });
  if (process.env.ELECTRON_RENDERER_URL) await window.loadURL(process.env.ELECTRON_RENDERER_URL);
  else await window.loadFile(path.join(import.meta.dirname, '../renderer/index.html'));
  core.engine.start();
  app.on('before-quit', () => void core.close());
}

void start();
