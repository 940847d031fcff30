// Launching Debian's chromium for the browser tests, with or without WebGPU
// (SwiftShader), and collecting what a page reports: console errors, main-
// thread long tasks and animation frames.

import { existsSync } from 'node:fs';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const BASE_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export type Mode = 'webgpu' | 'cpu';

/**
 * Chromium with WebGPU on SwiftShader ('webgpu') or without WebGPU at all
 * ('cpu': no --enable-unsafe-webgpu, so requestAdapter() gives null).
 * A browser that cannot start is a failure, never a skip: `npm test`
 * installs Debian's chromium first.
 */
export async function launch(mode: Mode): Promise<Browser> {
  const args = mode === 'webgpu' ? ['--enable-unsafe-webgpu', ...BASE_ARGS] : BASE_ARGS;
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, args });
}

export interface PageLog {
  errors: string[];
}

/** Records console errors and uncaught exceptions of a page. */
export function watchErrors(page: Page): PageLog {
  const log: PageLog = { errors: [] };
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') log.errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => log.errors.push(`pageerror: ${e.message}`));
  return log;
}

/**
 * Installed before the app loads: records every main-thread long task
 * (PerformanceObserver 'longtask', > 50 ms), what ran in each long animation
 * frame (so a failure names the script), and counts animation frames.
 */
export async function installResponsivenessProbe(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as {
      __longTasks: number[];
      __frames: number;
      __slowFrames: string[];
    };
    w.__longTasks = [];
    w.__slowFrames = [];
    w.__frames = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
    type Script = {
      invoker: string;
      sourceFunctionName: string;
      sourceURL: string;
      duration: number;
    };
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as (PerformanceEntry & { scripts?: Script[] })[]) {
        const scripts = (e.scripts ?? [])
          .map(
            (x) =>
              `${x.invoker} ${x.sourceFunctionName}@${x.sourceURL.split('/').pop()} ${Math.round(x.duration)} ms`,
          )
          .join(', ');
        w.__slowFrames.push(
          `${Math.round(e.duration)} ms at ${Math.round(e.startTime)}: ${scripts || 'no script'}`,
        );
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
    const tick = () => {
      w.__frames++;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

export interface Responsiveness {
  longTasks: number[];
  frames: number;
  /** Long animation frames: duration, start and the scripts that ran in them. */
  slowFrames: string[];
}

export async function readResponsiveness(page: Page): Promise<Responsiveness> {
  return page.evaluate(() => {
    const w = window as unknown as {
      __longTasks: number[];
      __frames: number;
      __slowFrames: string[];
    };
    return {
      longTasks: w.__longTasks.slice(),
      frames: w.__frames,
      slowFrames: w.__slowFrames.slice(),
    };
  });
}
