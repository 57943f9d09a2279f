// The app's first screen in Chromium, from the start of the core: a new DesktopCore on an
// existing replica, the headless host in front of it, a fresh browser page, until the inbox
// badge shows the replica's count.
import { performance } from 'node:perf_hooks';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type CoreOptions, DesktopCore } from '../src/core/desktop-core.ts';
import { type Host, startHost } from '../src/host/server.ts';

/** What the page reads (this program compiles without the DOM lib). */
type BadgeProbe = {
  document: {
    querySelector(
      selector: string,
    ): { textContent: string | null; getAttribute(name: string): string | null } | null;
  };
  performance: {
    now(): number;
    timeOrigin: number;
    getEntriesByType(type: 'resource'): { name: string; responseEnd: number }[];
  };
};

export type FirstScreenTiming = {
  /**
   * Core constructed to the frame where the inbox badge shows the count: the page's clock
   * (epoch-based, like the bench's) read in that frame, so the report's trip back is not counted.
   */
  totalMs: number;
  /**
   * The same end as the bench sees it: the answer comes back through the bench's event loop,
   * which is the core's, so this is also when the core is free to answer the page again.
   */
  observedMs: number;
  /** Core start to the replica open, the host listening and the sync engine started. */
  coreAndHostMs: number;
  /** Core start to a fresh browser context and page, made meanwhile (as a window would be). */
  pageMs: number;
  /** Core start to the document's navigation start. */
  navigationStartMs: number;
  /** Navigation start to the end of the first `inbox` bridge answer (Resource Timing). */
  inboxAnswerMs: number;
  /** Navigation start to the badge, on the page's own clock. */
  inPageMs: number;
};

export type OpenApp = { core: DesktopCore; host: Host; page: Page; close(): Promise<void> };

/**
 * Starts the core and host on `core`'s replica, opens the app in a new context of `browser`
 * and waits until the inbox badge reads `expectedCount`. Returns the timing and the running app
 * (the caller closes it); closes what it opened when it fails.
 */
export async function openFirstScreen(opts: {
  browser: Browser;
  core: CoreOptions;
  rendererDir: string;
  expectedCount: number;
  viewport: { width: number; height: number };
}): Promise<{ timing: FirstScreenTiming; app: OpenApp }> {
  // Epoch milliseconds on both sides: Node's and Chromium's clocks are the same machine's.
  const epoch = () => performance.timeOrigin + performance.now();
  const t0 = epoch();
  const core = new DesktopCore(opts.core);
  let host: Host | undefined;
  let context: BrowserContext | undefined;
  const close = async () => {
    await context?.close();
    await host?.close(); // a borrowed core stays open
    await core.close();
  };
  try {
    // The window is made while the core starts, as Electron main would.
    const starting = startHost({ core, rendererDir: opts.rendererDir }).then((h) => {
      host = h;
      core.engine.start();
      return epoch();
    });
    const opening = opts.browser.newContext({ viewport: opts.viewport }).then(async (c) => {
      context = c;
      return { page: await c.newPage(), at: epoch() };
    });
    const [hostReady, { page, at: pageReady }] = await Promise.all([starting, opening]);
    await page.goto(`${host!.url}/#key=${host!.key}`, { waitUntil: 'commit' });
    const shown = await page.waitForFunction(
      (want) => {
        const g = globalThis as unknown as BadgeProbe;
        const badge = g.document.querySelector('[data-testid="inbox-count"]');
        if (badge?.textContent !== want) return false;
        const answer = g.performance
          .getEntriesByType('resource')
          .find((e) => e.name.endsWith('/bridge/inbox'));
        return {
          origin: g.performance.timeOrigin,
          now: g.performance.now(),
          inbox: answer?.responseEnd ?? NaN,
        };
      },
      String(opts.expectedCount),
      { polling: 'raf', timeout: 60_000 },
    );
    const observedMs = epoch() - t0;
    const seen = (await shown.jsonValue()) as { origin: number; now: number; inbox: number };
    return {
      timing: {
        totalMs: seen.origin + seen.now - t0,
        observedMs,
        coreAndHostMs: hostReady - t0,
        pageMs: pageReady - t0,
        navigationStartMs: seen.origin - t0,
        inboxAnswerMs: seen.inbox,
        inPageMs: seen.now,
      },
      app: { core, host: host!, page, close },
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Waits until the app's sync indicator says online (its first pull done). */
export async function waitOnline(page: Page): Promise<void> {
  await page.waitForFunction(
    () =>
      (globalThis as unknown as BadgeProbe).document
        .querySelector('[data-testid="sync-state"]')
        ?.getAttribute('data-connection') === 'online',
    undefined,
    { timeout: 60_000 },
  );
}
