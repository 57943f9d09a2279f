// npm run bench -w @vigilo/desktop: prints numbers, the last line one JSON object.
// A real server (real Postgres) with 100k audit rows and 10k open alerts; the desktop core's
// initial sync of them into a fresh SQLite replica and its size; the first screen's data reads
// from a cold core on the warm replica; in Chromium through the headless host, the first screen
// from the start of the core and a scroll over the 10k-item inbox against an idle frame loop;
// then local audit text search over 1M rows. No assertions: BENCHMARKS.md records what this
// prints. Sizes come from BENCH_* variables so a quick run is possible:
//   BENCH_AUDIT_ROWS=2000 BENCH_ALERTS=500 BENCH_LOCAL_ROWS=20000 npm run bench:desktop
import { statSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { createWorld } from '@vigilo/tests/support/world';
import { launchChromium } from '../../tests/support/chromium.ts';
import { type CoreOptions, DesktopCore, replicaFile } from '../src/core/desktop-core.ts';
import { hostList } from '../src/core/replica/inventory.ts';
import { inbox } from '../src/core/replica/queries.ts';
import { tempDir } from '../test/support/core.ts';
import { type FirstScreenTiming, type OpenApp, openFirstScreen, waitOnline } from './first-screen.ts';
import { recordFrames, summariseFrames } from './frames.ts';
import { growAuditLog, searchP95 } from './local-search.ts';
import { buildRenderer } from '../src/host/renderer-build.ts';
import { seedAlerts, seedAuditRows } from './seed.ts';
import { quantile, round1 } from './stats.ts';

/** A positive integer from the environment, or `fallback`; anything else stops the bench. */
function sizeFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw.replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

const AUDIT_ROWS = sizeFromEnv('BENCH_AUDIT_ROWS', 100_000);
const ALERTS = sizeFromEnv('BENCH_ALERTS', 10_000);
// Hosts the alerts are spread over (rules fill the rest). Not one host per alert by default: the
// host list the renderer loads at start costs hosts × open alerts today (BENCHMARKS.md).
const ALERT_HOSTS = sizeFromEnv('BENCH_ALERT_HOSTS', 100);
const LOCAL_ROWS = sizeFromEnv('BENCH_LOCAL_ROWS', 1_000_000);
const SCROLL_FRAMES = sizeFromEnv('BENCH_SCROLL_FRAMES', 1200);
const FIRST_SCREEN_RUNS = sizeFromEnv('BENCH_FIRST_SCREEN_RUNS', 3);
const TIMEOUT_S = sizeFromEnv('BENCH_TIMEOUT_S', 1200);
const VIEWPORT = { width: 1280, height: 800 };
const LIST = '.list[role="listbox"]';

const say = (line: string) => process.stdout.write(`${line}\n`);
const load1m = () => round1(os.loadavg()[0]!);

// Everything opened is closed in reverse order, on success, failure or the time limit.
const cleanups: (() => unknown)[] = [];
async function cleanUp(): Promise<void> {
  for (let fn = cleanups.pop(); fn; fn = cleanups.pop()) {
    try {
      await fn();
    } catch (err) {
      say(`cleanup failed: ${String(err)}`);
    }
  }
}
const watchdog = setTimeout(() => {
  say(`bench: still running after ${TIMEOUT_S} s (BENCH_TIMEOUT_S), stopping`);
  void cleanUp().finally(() => process.exit(1));
}, TIMEOUT_S * 1000);

const loadBefore = load1m();
try {
  const data = tempDir('vigilo-bench-');
  cleanups.push(data.cleanup);
  const rendererOut = tempDir('vigilo-bench-renderer-');
  cleanups.push(rendererOut.cleanup);
  // The build and the browser start overlap the seeding; both finish before anything is timed.
  const building = buildRenderer(rendererOut.dir);
  building.catch(() => undefined); // awaited below; this only keeps an early failure handled
  const launching = launchChromium();
  launching.catch(() => undefined);
  cleanups.push(async () => (await launching).close());
  const world = await createWorld();
  cleanups.push(() => world.close());

  await seedAuditRows(world, AUDIT_ROWS);
  await seedAlerts(world, ALERTS, ALERT_HOSTS);
  const hostCount = Math.min(ALERT_HOSTS, ALERTS);
  say(
    `seeded ${AUDIT_ROWS} audit rows, ${ALERTS} open alerts on ${hostCount} hosts ` +
      `under ${Math.ceil(ALERTS / hostCount)} rules`,
  );
  await building;
  const browser = await launching;
  say(`renderer built, Chromium ${browser.version()} up`);

  const opts: CoreOptions = {
    dataDir: data.dir,
    serverUrl: world.server.url,
    workspace: 'acme',
    token: () => Promise.resolve(world.tokens.owner),
    pageSize: 5000,
  };

  // Initial sync into a fresh replica.
  let core = new DesktopCore(opts);
  let t0 = performance.now();
  await core.engine.syncNow();
  const initialSync = (performance.now() - t0) / 1000;
  const inboxItems = inbox(core.db, new Date());
  await core.close();
  const replicaMb = statSync(replicaFile(data.dir, world.server.url, 'acme')).size / 1e6;
  say(
    `initial sync ${initialSync.toFixed(2)} s (${inboxItems.length} inbox items), replica ${replicaMb.toFixed(1)} MB`,
  );

  // The first screen's data, read by a cold core in Node (no browser).
  t0 = performance.now();
  core = new DesktopCore(opts);
  inbox(core.db, new Date());
  core.engine.state();
  core.audit.search({ limit: 200 });
  const firstData = performance.now() - t0;
  // The renderer also loads the host list at start, whatever the page.
  t0 = performance.now();
  hostList(core.db, {}, new Date());
  const hostsList = performance.now() - t0;
  await core.close();
  say(
    `first screen data (core reads only) ${firstData.toFixed(1)} ms; host list of ${hostCount} ` +
      `hosts ${hostsList.toFixed(1)} ms`,
  );

  // The first screen in Chromium, from the start of the core; the last run stays open to scroll.
  const screens: FirstScreenTiming[] = [];
  let app: OpenApp | undefined;
  for (let run = 1; run <= FIRST_SCREEN_RUNS; run++) {
    const opened = await openFirstScreen({
      browser,
      core: opts,
      rendererDir: rendererOut.dir,
      expectedCount: inboxItems.length,
      viewport: VIEWPORT,
    });
    screens.push(opened.timing);
    const t = opened.timing;
    say(
      `first screen run ${run}: ${t.totalMs.toFixed(0)} ms from the core's start (core + host ready at ` +
        `${t.coreAndHostMs.toFixed(0)}, page at ${t.pageMs.toFixed(0)}, navigation start at ` +
        `${t.navigationStartMs.toFixed(0)}; from there the inbox answer at ${t.inboxAnswerMs.toFixed(0)}, ` +
        `the badge at ${t.inPageMs.toFixed(0)}); the bench saw it at ${t.observedMs.toFixed(0)}`,
    );
    if (run < FIRST_SCREEN_RUNS) await opened.app.close();
    else {
      app = opened.app;
      cleanups.push(() => opened.app.close());
    }
  }
  const firstScreen = quantile(
    screens.map((s) => s.totalMs),
    0.5,
  );

  // Scrolling the 10k-item inbox: an idle frame loop first (the floor), then the scroll.
  const page = app!.page;
  await waitOnline(page);
  await page.waitForTimeout(500); // let the first pull's renders settle
  const floorRun = await recordFrames(page, { frames: SCROLL_FRAMES, scroll: false, selector: LIST });
  const refreshMs = quantile(floorRun.intervals, 0.5);
  const scrollRun = await recordFrames(page, { frames: SCROLL_FRAMES, scroll: true, selector: LIST });
  const floor = summariseFrames(floorRun.intervals, refreshMs);
  const scroll = summariseFrames(scrollRun.intervals, refreshMs);
  const rowsInDom = await page.getByTestId('inbox-item').count();
  const lastShown = await page.getByTestId('inbox-item').last().getAttribute('data-id');
  const reachedEnd = lastShown === inboxItems.at(-1)?.id;
  say(
    `frames: refresh ${refreshMs.toFixed(1)} ms (floor median); floor p95 ${floor.p95Ms.toFixed(1)} ms, ` +
      `${floor.dropped} dropped, ${floorRun.longAnimationFrames ?? 'n/a'} long animation frames`,
  );
  say(
    `scroll ${Math.round(scrollRun.scrollMax)} px over ${scroll.frames} frames ` +
      `(${(scrollRun.scrollMax / SCROLL_FRAMES).toFixed(0)} px a frame): p50 ${scroll.p50Ms.toFixed(1)} ms, ` +
      `p95 ${scroll.p95Ms.toFixed(1)} ms, max ${scroll.maxMs.toFixed(1)} ms, ${scroll.dropped} dropped ` +
      `(> ${(1.5 * refreshMs).toFixed(1)} ms; ${scroll.missedRefreshes} refreshes missed), ` +
      `${scrollRun.longAnimationFrames ?? 'n/a'} long animation frames; ${rowsInDom} rows in the DOM, ` +
      `last item ${reachedEnd ? 'reached' : 'NOT reached'}`,
  );
  cleanups.pop();
  await app!.close();

  // Local audit search over LOCAL_ROWS rows.
  core = new DesktopCore(opts);
  cleanups.push(() => core.close());
  growAuditLog(core, LOCAL_ROWS);
  const search = searchP95(core);
  cleanups.pop();
  await core.close();
  say(`audit search over ${search.rows} rows: p95 ${search.p95Ms.toFixed(1)} ms`);

  const loadAfter = load1m();
  say(`load average (1 min) before ${loadBefore}, after ${loadAfter}`);
  say(
    JSON.stringify({
      initial_sync_s: Number(initialSync.toFixed(2)),
      replica_mb: round1(replicaMb),
      audit_search_p95_ms: round1(search.p95Ms),
      first_screen_ms: Math.round(firstScreen),
      first_screen_max_ms: Math.round(Math.max(...screens.map((s) => s.totalMs))),
      first_screen_seen_ms: Math.round(
        quantile(
          screens.map((s) => s.observedMs),
          0.5,
        ),
      ),
      first_data_ms: round1(firstData),
      hosts_list_ms: round1(hostsList),
      alerts: inboxItems.length,
      alert_hosts: hostCount,
      audit_rows_synced: AUDIT_ROWS,
      local_rows_searched: search.rows,
      refresh_ms: round1(refreshMs),
      floor_p95_frame_ms: round1(floor.p95Ms),
      scroll_frames: scroll.frames,
      scroll_p95_frame_ms: round1(scroll.p95Ms),
      scroll_p95_over_floor: round1(scroll.p95Ms / floor.p95Ms),
      scroll_dropped_frames: scroll.dropped,
      scroll_long_animation_frames: scrollRun.longAnimationFrames,
      scroll_reached_end: reachedEnd,
      load_1m_before: loadBefore,
      load_1m_after: loadAfter,
    }),
  );
} finally {
  await cleanUp();
  clearTimeout(watchdog);
}
