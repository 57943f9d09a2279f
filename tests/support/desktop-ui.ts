import type { Browser, Page } from 'playwright-core';
import { DesktopCore } from '../../desktop/src/core/desktop-core.ts';
import { type Host, startHost } from '../../desktop/src/host/server.ts';
import type { World } from './world.ts';

export type DesktopUi = { core: DesktopCore; host: Host; page: Page; close(): Promise<void> };

/**
 * The desktop UI of `acme` in Chromium through the headless host, signed in with a member's API
 * token of the world (the OIDC sign-in has its own test). Retries while the server is away use
 * real timers capped at 500 ms: the offline scenarios depend on them, and a test must not wait
 * for a 15 s backoff. The renderer is built by the caller into a private folder (see
 * desktop/src/host/renderer-build.ts), so tests never race each other's builds.
 */
export async function openDesktopUi(opts: {
  world: World;
  browser: Browser;
  rendererDir: string;
  dataDir: string;
  who?: string;
  viewport?: { width: number; height: number };
  colorScheme?: 'light' | 'dark';
  /** The viewer's time zone (IANA name), for forms that take times in it; the machine's if absent. */
  timezoneId?: string;
  /** The core's way to the server (e.g. one a test can cut while the server keeps running). */
  fetch?: typeof globalThis.fetch;
}): Promise<DesktopUi> {
  const token = opts.world.tokens[opts.who ?? 'owner'];
  const core = new DesktopCore({
    dataDir: opts.dataDir,
    serverUrl: opts.world.server.url,
    workspace: 'acme',
    token: () => Promise.resolve(token),
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    schedule: (fn, ms) => {
      const t = setTimeout(fn, Math.min(ms, 500));
      return () => clearTimeout(t);
    },
  });
  const host = await startHost({ core, rendererDir: opts.rendererDir });
  core.engine.start();
  const page = await opts.browser.newPage({
    ...(opts.viewport ? { viewport: opts.viewport } : {}),
    ...(opts.timezoneId ? { timezoneId: opts.timezoneId } : {}),
  });
  if (opts.colorScheme) await page.emulateMedia({ colorScheme: opts.colorScheme });
  await page.goto(`${host.url}/#key=${host.key}`);
  return {
    core,
    host,
    page,
    close: async () => {
      await page.close();
      await host.close();
      await core.close();
    },
  };
}
