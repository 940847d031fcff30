// The capped contenders of `npm run bench` (in --grid: tfjs-webgpu and
// tfjs-cpu, far behind the best TF.js backend in every run so far, and minutes
// a step at the grid's large shapes on a software adapter). After the others
// are timed on a shape, each gets, on a page of its own, one first step cut at
// 1× the best TF.js backend's first step (compilation included: both compile
// there; at least 5 s) and one timed step cut at 1× the best one's timed step. A cut timed
// step is a lower bound ("> N ms") showing the contender is not the best TF.js
// backend on that shape; a cut first step says its first step took longer than
// the best one's; a step that finishes is a figure like any other. A cut closes
// the page, which stops the step (its renderer goes with it) instead of leaving
// it to run under the next measurement.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary, L layers.

import type { Browser, Page } from 'playwright-core';
import type { CellType } from '../src/engine/cells';
import type { ContenderName } from './browser/contenders';
import type { OpenRequest } from './browser/main';
import type { ContenderResult } from './report';
import { flopsPerToken, type BenchShape } from './shapes';

/** A capped first step may always take this long (ms). */
const WARMUP_FLOOR_MS = 5000;

export interface CappedPlan {
  /** The capped contenders, in order. */
  names: ContenderName[];
  /** Batches of the others' corpus, so the capped ones train on the same batches. */
  corpusSteps: number;
  /** Whether the others' first timed run also ends after 2 steps: then the losses compare. */
  sameWork: boolean;
}

/**
 * The capped contenders, after the others (see the header): one warm-up and one
 * timed step each on a page of their own, closed when a step runs past its cap,
 * which stops the step (the page's renderer goes with it).
 */
export async function cappedResults(
  browser: Browser,
  url: string,
  shape: BenchShape,
  cell: CellType,
  measured: ContenderResult[],
  failures: ContenderResult[],
  plan: CappedPlan,
): Promise<ContenderResult[]> {
  const { names } = plan;
  if (names.length === 0) return [];
  const best = measured
    .filter((r) => r.contender.startsWith('tfjs-') && r.msPerStep)
    .sort((a, b) => a.msPerStep! - b.msPerStep!)[0];
  // With no TF.js figure to beat, wait up to 10 minutes a step.
  const timedCap = best?.msPerStep ?? 600_000;
  // A first step compiles (shaders, kernels): held to the best one's first step, compile and all.
  // At least WARMUP_FLOOR_MS, so that at small shapes the first step finishes and the timed step
  // decides (a proper lower bound), for a few seconds at most.
  const warmupCap = Math.max(WARMUP_FLOOR_MS, Math.max(timedCap, best?.warmupMs ?? 0));
  const out: ContenderResult[] = [];
  let side: Page | null = null;
  for (const name of names) {
    side ??= await openBenchPage(browser, url);
    // Two runs of one step: the first is the warm-up, the second the timed step.
    const req: OpenRequest = {
      contender: name,
      cell,
      shape,
      warmupSteps: 0,
      stepsPerRun: 1,
      runs: 2,
      corpusSteps: Math.max(2, plan.corpusSteps),
    };
    let id: number;
    try {
      id = await side.evaluate((r) => window.gatescopeBench.openContender(r), req);
    } catch (e) {
      const reason = (e as Error).message.split('\n')[0].replace(/^page.evaluate: (Error: )?/, '');
      console.error(`  ${name}: unavailable: ${reason}`);
      failures.push({ contender: name, unavailable: reason });
      continue;
    }
    const page: Page = side;
    const capped = async (capMs: number) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const cut = new Promise<'cut'>((resolve) => {
        timer = setTimeout(() => resolve('cut'), capMs);
      });
      const running = page.evaluate((i) => window.gatescopeBench.timeRun(i), id);
      running.catch(() => {}); // rejected when the page is closed after a cut
      try {
        return await Promise.race([running, cut]);
      } finally {
        clearTimeout(timer);
      }
    };
    const t0 = Date.now();
    const warm = await capped(warmupCap);
    const warmupMs = Date.now() - t0;
    if (warm === 'cut') {
      console.error(`  ${name}: warm-up step cut at ${(warmupCap / 1000).toFixed(1)} s`);
      out.push({ contender: name, atLeastMs: warmupCap, boundOn: 'first step' });
      await side.close();
      side = null;
      continue;
    }
    const timed = await capped(timedCap);
    if (timed === 'cut') {
      console.error(`  ${name}: timed step cut at ${(timedCap / 1000).toFixed(1)} s`);
      out.push({ contender: name, atLeastMs: timedCap, boundOn: 'timed step' });
      await side.close();
      side = null;
      continue;
    }
    console.error(
      `  ${name}: warm-up ${(warmupMs / 1000).toFixed(1)} s, ` +
        `timed ${timed.msPerStep.toFixed(0)} ms/step`,
    );
    const stats = await side.evaluate((i) => window.gatescopeBench.stats(i), id);
    await side.evaluate((i) => window.gatescopeBench.closeContender(i), id);
    const tokensPerSecond = (shape.B * shape.T * 1000) / timed.msPerStep;
    out.push({
      contender: name,
      msPerStep: timed.msPerStep,
      tokensPerSecond,
      gflops: (tokensPerSecond * flopsPerToken(shape, cell)) / 1e9,
      warmupMs,
      ...(plan.sameWork ? { lossAfterFirstRun: timed.finalLoss } : {}),
      stats,
    });
  }
  await side?.close();
  return out;
}

/** The bench page, loaded and ready (its contenders are created on demand). */
export async function openBenchPage(browser: Browser, url: string): Promise<Page> {
  // A page of its own context: its own renderer, so closing it stops whatever it runs.
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`[page] ${e.message}`));
  await page.goto(new URL('bench/browser/index.html', url).href);
  await page.waitForFunction(() => document.title.endsWith('ready'), null, { timeout: 120_000 });
  return page;
}
