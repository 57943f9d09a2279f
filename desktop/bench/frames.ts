// Frame timing inside the page: a requestAnimationFrame loop that records each frame's
// timestamp, optionally scrolling a list a fixed step per frame, plus Chromium's Long Animation
// Frame entries (Performance API) as a second witness.
import type { Page } from 'playwright-core';
import { quantile } from './stats.ts';

/** The little of the DOM the in-page loop touches (this program compiles without the DOM lib). */
type ScrollBox = { scrollTop: number; scrollHeight: number; clientHeight: number };
type Observer = { observe(opts: { type: string }): void; disconnect(): void };
type PageGlobals = {
  document: { querySelector(selector: string): ScrollBox | null };
  requestAnimationFrame(callback: (time: number) => void): number;
  setTimeout(callback: () => void, ms: number): number;
  PerformanceObserver: {
    new (callback: (list: { getEntries(): unknown[] }) => void): Observer;
    supportedEntryTypes: readonly string[];
  };
};

export type FrameRun = {
  /** Time between consecutive rAF timestamps, ms: `frames` of them. */
  intervals: number[];
  /** Long Animation Frames (> 50 ms of main-thread work) seen; null when unsupported. */
  longAnimationFrames: number | null;
  /** Where the list ended and how far it could go (both 0 for the idle loop). */
  scrollTop: number;
  scrollMax: number;
};

/**
 * Runs `frames` animation frames in `page`. With `scroll`, frame i sets the scroll position of
 * the element matching `selector` to i/frames of its range, so the loop covers the whole list
 * once whatever the frame rate; without it the loop only records (the floor).
 *
 * The page function declares no named functions: tsx keeps names with an `__name` helper that
 * does not exist in the page.
 */
export async function recordFrames(
  page: Page,
  opts: { frames: number; scroll: boolean; selector: string },
): Promise<FrameRun> {
  return page.evaluate(async ({ frames, scroll, selector }) => {
    const g = globalThis as unknown as PageGlobals;
    const box = g.document.querySelector(selector);
    if (!box) throw new Error(`no element matches ${selector}`);
    const max = box.scrollHeight - box.clientHeight;
    const loafSupported = g.PerformanceObserver.supportedEntryTypes.includes('long-animation-frame');
    let longAnimationFrames = 0;
    const observer = new g.PerformanceObserver((list) => {
      longAnimationFrames += list.getEntries().length;
    });
    if (loafSupported) observer.observe({ type: 'long-animation-frame' });
    const stamps: number[] = [];
    for (let i = 0; i <= frames; i++) {
      // The continuation runs in the rAF callback's microtask checkpoint: same frame.
      stamps.push(await new Promise<number>((resolve) => g.requestAnimationFrame(resolve)));
      if (scroll && i < frames) box.scrollTop = (max * (i + 1)) / frames;
    }
    // Observer entries arrive after the frame that produced them.
    await new Promise<void>((resolve) => g.setTimeout(resolve, 200));
    observer.disconnect();
    return {
      intervals: stamps.slice(1).map((t, i) => t - stamps[i]!),
      longAnimationFrames: loafSupported ? longAnimationFrames : null,
      scrollTop: box.scrollTop,
      scrollMax: scroll ? max : 0,
    };
  }, opts);
}

export type FrameSummary = {
  frames: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** Intervals longer than 1.5 × the refresh interval: at least one refresh went by without a frame. */
  dropped: number;
  /** Refreshes that went by without a frame, summed over the dropped intervals. */
  missedRefreshes: number;
};

/** Summarises a run against `refreshMs`, the display's refresh interval (the floor's median). */
export function summariseFrames(intervals: readonly number[], refreshMs: number): FrameSummary {
  const long = intervals.filter((d) => d > 1.5 * refreshMs);
  return {
    frames: intervals.length,
    p50Ms: quantile(intervals, 0.5),
    p95Ms: quantile(intervals, 0.95),
    maxMs: Math.max(...intervals),
    dropped: long.length,
    missedRefreshes: long.reduce((sum, d) => sum + Math.round(d / refreshMs) - 1, 0),
  };
}
