// Electron main: window, tray, notifications, single instance, deep links. It only wires the
// desktop core to the renderer through the bridge over IPC; all logic lives in ../core (tested
// under Node, since no Electron binary can run in CI here).
import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, Notification, shell, Tray } from 'electron';
import { z } from 'zod';
import { type BridgeEvent, isBridgeCall, needsMe } from '../bridge/contract.ts';
import { type BridgeContext, handleBridgeCall } from '../core/bridge-handlers.ts';
import { DesktopApp } from '../core/desktop-app.ts';
import { desktopEnvSchema, envProblems } from '../core/env.ts';
import { fileLog } from '../core/log.ts';
import { safeTokenStore } from './safe-token-store.ts';

// The desktop's variables with the host's rules (../core/env.ts); the data folder is Electron's own.
// ELECTRON_RENDERER_URL is set by electron-vite's dev server.
const env = desktopEnvSchema
  .pick({ VIGILO_SERVER_URL: true, VIGILO_WORKSPACE: true })
  .extend({ ELECTRON_RENDERER_URL: z.url().optional() })
  .safeParse(process.env);
if (!env.success) {
  // No window yet and maybe no terminal: say it in a dialog (allowed before ready) and stop.
  dialog.showErrorBox('Vigilo cannot start', envProblems(env.error).join('\n'));
  process.exit(2);
}
const {
  VIGILO_SERVER_URL: serverUrl,
  VIGILO_WORKSPACE: workspace,
  ELECTRON_RENDERER_URL: rendererUrl,
} = env.data;

if (!app.requestSingleInstanceLock()) app.quit();
app.setAsDefaultProtocolClient('vigilo');

let window: BrowserWindow | undefined;
let tray: Tray | undefined;

/** vigilo://<workspace>/<kind>/<id>: focus the window and tell the renderer what to open. */
function openDeepLink(url: string | undefined): void {
  if (!url?.startsWith('vigilo://') || !window) return;
  if (window.isMinimized()) window.restore();
  window.focus();
  // Through the bridge's event channel: the renderer opens it as it opens a clicked notification.
  const event: BridgeEvent = { type: 'open', target: url };
  window.webContents.send('bridge:event', event);
}

app.on('second-instance', (_e, argv) => openDeepLink(argv.find((a) => a.startsWith('vigilo://'))));
app.on('open-url', (_e, url) => openDeepLink(url));

async function start(): Promise<void> {
  await app.whenReady();
  // The app holds the session and the open workspace's core; signed out, the renderer shows its
  // sign-in screen and `session.signIn` runs the loopback flow in the system browser.
  // JSON lines in the app's data folder: what a person sends with a report when sync stops on a bug.
  const log = fileLog(app.getPath('userData'));
  const desktop = new DesktopApp({
    log,
    dataDir: app.getPath('userData'),
    serverUrl,
    tokens: safeTokenStore(path.join(app.getPath('userData'), 'tokens.bin')),
    ...(workspace ? { workspace } : {}),
    schedule: (fn, ms) => {
      const t = setTimeout(fn, ms);
      return () => clearTimeout(t);
    },
  });
  const context: BridgeContext = {
    app: desktop,
    signIn: async () => {
      await desktop.signInWithBrowser((url) => shell.openExternal(url));
      window?.focus();
      return { redirect: undefined };
    },
  };

  ipcMain.handle('bridge:call', (_e, name: unknown, input: unknown) => {
    if (!isBridgeCall(name)) throw new Error('no such bridge call');
    return handleBridgeCall(context, name, input);
  });
  desktop.subscribe((event: BridgeEvent) => {
    window?.webContents.send('bridge:event', event);
    if (event.type === 'notify') {
      const n = new Notification({ title: event.title, body: event.body });
      n.on('click', () => openDeepLink(event.target));
      n.show();
    }
    if (event.type === 'changed' || event.type === 'state') {
      handleBridgeCall(context, 'inbox', {}).then(
        (items) => {
          // Unacknowledged alerts and the approvals waiting on me.
          const unread = items.filter(needsMe).length;
          tray?.setToolTip(`Vigilo: ${unread} open`);
          // The count beside the tray icon (macOS) and on the dock / launcher icon where supported.
          tray?.setTitle(unread ? String(unread) : '');
          app.setBadgeCount(unread);
        },
        () => undefined,
      ); // signed out or between workspaces: the count waits for the next change
    }
  });

  tray = new Tray(nativeImage.createEmpty());
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: 'Open Vigilo', click: () => window?.show() },
      { type: 'separator' },
      { label: 'Quit', role: 'quit' },
    ]),
  );
  tray.on('click', () => window?.show());
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
  // The window only ever shows the app: a link that would navigate it away, or open a new
  // window, opens in the system browser instead.
  window.webContents.on('will-navigate', (event, url) => {
    if (url.startsWith('file:') || (rendererUrl && url.startsWith(rendererUrl))) return;
    event.preventDefault();
    if (/^https?:/.test(url)) void shell.openExternal(url);
  });
  window.webContents.setWindowOpenHandler(({ url }) => {
    void shell.openExternal(url);
    return { action: 'deny' };
  });
  if (rendererUrl) await window.loadURL(rendererUrl);
  else await window.loadFile(path.join(import.meta.dirname, '../renderer/index.html'));
  await desktop.start();
  app.on('before-quit', () => void desktop.close().finally(() => log.close()));
}

void start();
