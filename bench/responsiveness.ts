// Main-thread responsiveness of a page in headless chromium: every long task
// (> 50 ms), what ran in each long animation frame, and the animation frames
// drawn, read over a window of the page's own clock. Used by `npm run
// bench:ui`; these are measured figures for a report, never a pass/fail test
// (a loaded machine would fail them without anything being wrong).

import type { Page } from 'playwright-core';

/** A main-thread task longer than this is a visible hitch. */
export const MAX_LONG_TASK_MS = 100;
/** Headless chromium draws at up to 60 frames/s; well under half of that would be visible jank. */
export const MIN_FPS = 25;

interface ProbeWindow {
  __longTasks: number[];
  __frames: number;
  __slowFrames: string[];
}

/**
 * Installed before the app loads: records every main-thread long task
 * (PerformanceObserver 'longtask'), what ran in each long animation frame (so
 * a slow figure names the script), and counts animation frames. Plain
 * JavaScript source, not a function: tsx would wrap a function's inner names
 * in a helper (`__name`) that does not exist in the page.
 */
const PROBE_SCRIPT = `
  window.__longTasks = [];
  window.__slowFrames = [];
  window.__frames = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTasks.push(e.duration);
  }).observe({ type: 'longtask', buffered: true });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const scripts = (e.scripts || [])
        .map((x) => x.invoker + ' ' + x.sourceFunctionName + '@' + x.sourceURL.split('/').pop() +
          ' ' + Math.round(x.duration) + ' ms')
        .join(', ');
      window.__slowFrames.push(Math.round(e.duration) + ' ms at ' + Math.round(e.startTime) +
        ': ' + (scripts || 'no script'));
    }
  }).observe({ type: 'long-animation-frame', buffered: true });
  const tick = () => {
    window.__frames++;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
`;

export async function installResponsivenessProbe(page: Page): Promise<void> {
  await page.addInitScript({ content: PROBE_SCRIPT });
}

export interface Responsiveness {
  longTasks: number[];
  frames: number;
  /** Long animation frames: duration, start and the scripts that ran in them. */
  slowFrames: string[];
  /** The page's clock (performance.now(), ms) when read. */
  at: number;
}

export async function readResponsiveness(page: Page): Promise<Responsiveness> {
  return page.evaluate(() => {
    const w = window as unknown as ProbeWindow;
    return {
      longTasks: w.__longTasks.slice(),
      frames: w.__frames,
      slowFrames: w.__slowFrames.slice(),
      at: performance.now(),
    };
  });
}

export interface WindowFigures {
  seconds: number;
  longTaskCount: number;
  longestTaskMs: number;
  framesPerSecond: number;
  /** Long animation frames in the window, for naming what made a figure slow. */
  slowFrames: string[];
}

/** The figures between two readings of the same page. */
export function between(before: Responsiveness, after: Responsiveness): WindowFigures {
  const longTasks = after.longTasks.slice(before.longTasks.length);
  const seconds = (after.at - before.at) / 1000;
  return {
    seconds,
    longTaskCount: longTasks.length,
    longestTaskMs: Math.max(0, ...longTasks),
    framesPerSecond: seconds > 0 ? (after.frames - before.frames) / seconds : 0,
    slowFrames: after.slowFrames.slice(before.slowFrames.length),
  };
}
