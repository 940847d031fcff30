// `npm run bench`: gatescope against TensorFlow.js, side by side in one run of
// Debian's headless chromium (WebGPU on whatever adapter it has: SwiftShader on
// the build machines), contenders interleaved, medians of several timed runs
// after warm-up. Prints a Markdown table and writes bench/results/latest.json.
//
//   npm run bench                  default shape (V65 E256 H256 L2 T64 B32), every cell
//   npm run bench -- --grid        issue 17's grid (H 128/256/512 × B 1/16/64 × T 32 × L 1/2)
//                                  and the default shape, LSTM, in under 40 minutes here
//   npm run bench -- --grid --H=128 --B=1,16 --L=1   part of it (narrowed: no default shape
//                                  unless --with-default)
//   npm run bench -- --quick       tiny shape, one run: checks the harness (no claims)
//   options: --cells=lstm,gru,rnn  --contenders=a,b  --capped=a,b  --runs=N  --steps=N
//            --warmup=N  --no-auto  --ui=path  --out=path  --headed
//
// Each shape is measured per cell (LSTM, GRU, RNN), the same-work check and the
// ratios within a cell: gatescope's engines against tfjs's layer for that cell.
// A WebGPU engine that does not train a cell yet is reported "unsupported".
//
// "Capped" contenders (in --grid: tfjs-webgpu and tfjs-cpu, 10× and 2.5-3.6× the
// best TF.js backend's step in every run so far) are not timed to the end on
// every shape: after the others, each gets one warm-up step and one timed step
// on a page of its own, each cut at a cap from the best TF.js backend's figures
// on the shape (bench/capped.ts): a cut is reported as a lower bound ("> N ms").
//
// The Auto column runs gatescope's calibrate() on its two engines (the Auto
// choice of the app's worker), and the targets table closes the report.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary, L layers.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../scripts/chromium';
import { flag, option } from './cli';
import { createServer } from 'vite';
import { CELL_TYPES, isCellType, type CellType } from '../src/engine/cells';
import type { ContenderName } from './browser/contenders';
import type { OpenRequest } from './browser/main';
import {
  DEFAULT_SHAPE,
  flopsPerToken,
  gridShapes,
  QUICK_SHAPES,
  shapeLabel,
  stepCost,
  type BenchShape,
} from './shapes';
import type { AutoPick } from './browser/main';
import { cappedResults, openBenchPage } from './capped';
import {
  formatReport,
  UNSUPPORTED,
  type AutoResult,
  type ContenderResult,
  type ShapeReport,
} from './report';

const ALL: ContenderName[] = [
  'gatescope-webgpu',
  'gatescope-cpu',
  'tfjs-webgpu',
  'tfjs-webgl',
  'tfjs-wasm',
  'tfjs-cpu',
];

const quick = flag('quick');
const grid = flag('grid');
/** `--H=128,256` and the like narrow the grid to those values of an axis. */
const narrowed = Object.fromEntries(
  (['H', 'B', 'T', 'L'] as const).flatMap((k) => {
    const v = option(k);
    return v === undefined ? [] : [[k, v.split(',').map(Number)]];
  }),
);
const isNarrowed = Object.keys(narrowed).length > 0;
const shapes: BenchShape[] = quick
  ? QUICK_SHAPES
  : grid
    ? [...gridShapes(narrowed), ...(!isNarrowed || flag('with-default') ? [DEFAULT_SHAPE] : [])]
    : [DEFAULT_SHAPE];
const listed = (name: string) => {
  const v = option(name);
  return v === undefined ? undefined : (v.split(',').filter(Boolean) as ContenderName[]);
};
const contenders = listed('contenders') ?? ALL;
/** Timed with a cap (see the header); by default in --grid only. */
const capped = new Set(
  (listed('capped') ?? (grid ? ['tfjs-webgpu', 'tfjs-cpu'] : [])).filter((c) =>
    contenders.includes(c),
  ),
);
const cells: CellType[] =
  option('cells')?.split(',').map(cellOf) ?? (grid ? ['lstm'] : [...CELL_TYPES]);
const auto =
  !flag('no-auto') &&
  contenders.includes('gatescope-cpu') &&
  contenders.includes('gatescope-webgpu');
function cellOf(name: string): CellType {
  if (!isCellType(name)) throw new Error(`--cells: ${name} is not one of ${CELL_TYPES.join(', ')}`);
  return name;
}
// The grid times fewer steps per contender (one warm-up, one timed step) to fit its 40 minutes.
const runs = Number(option('runs') ?? (quick || grid ? 1 : 3));
const stepsPerRun = Number(option('steps') ?? (quick || grid ? 1 : 2));
const warmupSteps = Number(option('warmup') ?? (grid ? 1 : 2));
/** The latest `npm run bench:ui` JSON, for the second-visit target. */
const uiPath = option('ui') ?? 'bench/results/ui.json';
/** A contender whose warm-up step takes longer than this gets one timed run, not `runs`. */
const SLOW_STEP_MS = 20_000;
/** GEMM providers timed at 512³ only (see the rooflines in main). */
const SLOW_GEMMS = new Set(['tfjs-webgpu', 'tfjs-cpu']);
const outPath = option('out') ?? 'bench/results/latest.json';

async function main() {
  const server = await createServer({
    logLevel: 'error',
    // No file watching or hot reload: a reload mid-run would destroy the page's contenders.
    server: { port: 0, host: '127.0.0.1', hmr: false, watch: null },
    optimizeDeps: {
      entries: ['bench/browser/index.html'],
      include: [
        '@tensorflow/tfjs',
        '@tensorflow/tfjs-backend-webgpu',
        '@tensorflow/tfjs-backend-wasm',
      ],
    },
  });
  await server.listen();
  const url = server.resolvedUrls?.local[0] ?? 'http://127.0.0.1:5173/';
  const browser = await launchChromium(
    ['--enable-unsafe-webgpu', '--enable-unsafe-swiftshader'],
    !flag('headed'),
  );
  try {
    const page = await openBenchPage(browser, url);
    const environment = await page.evaluate(() => window.gatescopeBench.environment());
    console.error(`browser: ${environment.userAgent}\nadapter: ${environment.adapter}`);

    // The best n³ GEMM each GEMM provider reaches here: tfjs's matMul per backend, and
    // gatescope's own GEMM kernels (every variant its autotune may pick) on the WebGPU adapter.
    // gatescope-wasm: the CPU engine's own wasm GEMM on every thread the engine uses.
    // At 512³ and 1024³, the best of the two: 512³ alone is no roofline on two threads (the
    // split product's packing and hand-off weigh on it: 38 against 61 GFLOP/s at 1024³ in
    // Node), and a training step's large products beat it. tfjs-webgpu and tfjs-cpu, 10-30×
    // below the others, only at 512³: at 1024³ they would add minutes and change nothing.
    const roofline: Record<string, number> = {};
    for (const b of [
      'gatescope-webgpu',
      'gatescope-wasm',
      'tfjs-webgpu',
      'tfjs-webgl',
      'tfjs-wasm',
      'tfjs-cpu',
    ]) {
      const sizes = quick ? [64] : SLOW_GEMMS.has(b) ? [512] : [512, 1024];
      roofline[b] = NaN;
      for (const n of sizes) {
        const gflops = await page
          .evaluate(([backend, size]) => window.gatescopeBench.matMulRoofline(backend, size), [
            b.replace(/^tfjs-/, ''),
            n,
          ] as const)
          .catch((e: Error) => {
            console.error(`roofline ${b} ${n}³: ${e.message.split('\n')[0]}`);
            return NaN;
          });
        console.error(`roofline ${b} ${n}³: ${gflops.toFixed(2)} GFLOP/s`);
        if (Number.isNaN(roofline[b]) || gflops > roofline[b]) roofline[b] = gflops;
      }
    }

    const reports: ShapeReport[] = [];
    const result = {
      date: new Date().toISOString(),
      quick,
      grid,
      steps: { warmup: warmupSteps, runs, stepsPerRun, capped: [...capped] },
      environment,
      roofline,
      reports,
      ui: readUi(),
    };
    mkdirSync(dirname(outPath), { recursive: true });
    const jobs = shapes.flatMap((shape) => cells.map((cell) => ({ shape, cell })));
    const costOf = (j: (typeof jobs)[number]) => stepCost(j.shape, j.cell);
    const totalCost = jobs.reduce((sum, j) => sum + costOf(j), 0);
    const started = Date.now();
    let doneCost = 0;
    for (const [i, job] of jobs.entries()) {
      const elapsed = (Date.now() - started) / 1000;
      // ETA: a fixed part per shape (compiling, autotune, pages: about SHAPE_FIXED_S here) and the
      // rest in proportion to the shapes' step cost, at the seconds per unit of cost so far.
      const perCost = Math.max(0, elapsed - SHAPE_FIXED_S * i) / doneCost;
      const eta =
        i > 0 ? SHAPE_FIXED_S * (jobs.length - i) + perCost * (totalCost - doneCost) : NaN;
      console.error(
        `\n[${i + 1}/${jobs.length}] ${minutes(elapsed)} elapsed` +
          (Number.isFinite(eta) ? `, about ${minutes(eta)} left` : ''),
      );
      reports.push(await benchShape(browser, page, job.shape, job.cell, url));
      doneCost += costOf(job);
      // Written after every cell, so a run stopped part-way keeps what it measured.
      writeFileSync(outPath, JSON.stringify(result, null, 2));
    }
    console.error(`\n${jobs.length} shape(s) in ${minutes((Date.now() - started) / 1000)}`);
    console.log(formatReport(result));
    writeFileSync(outPath, JSON.stringify(result, null, 2)); // now with the targets table
    const disagreements = reports.flatMap((r) => r.disagreements);
    if (disagreements.length > 0) {
      console.error(`same-work check FAILED:\n  ${disagreements.join('\n  ')}`);
      process.exitCode = 1;
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

/**
 * Seconds a shape costs whatever its size on the 2-core build machine: building and
 * compiling four contenders (gatescope's autotune, tfjs-webgl's shaders), the capped
 * contenders' page and floor (--grid at H 128, B 1: 34 s in all, load average 6).
 */
const SHAPE_FIXED_S = 30;

const minutes = (s: number) => `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;

/** The latest bench:ui results, if any: the targets table takes the second visit from them. */
function readUi(): unknown {
  if (!existsSync(uiPath)) return undefined;
  try {
    return { path: uiPath, ...(JSON.parse(readFileSync(uiPath, 'utf8')) as object) };
  } catch {
    return undefined;
  }
}

async function benchShape(
  browser: Browser,
  page: Page,
  shape: BenchShape,
  cell: CellType,
  url: string,
): Promise<ShapeReport> {
  const label = shapeLabel(shape, cell);
  console.error(`\n${label}`);
  const open: {
    name: ContenderName;
    id: number;
    runs: number;
    times: number[];
    losses: number[];
    /** Build and warm-up, per warm-up step (compilation included). */
    warmupMs: number;
    error?: string;
  }[] = [];
  const failures: ContenderResult[] = [];
  for (const name of contenders.filter((c) => !capped.has(c))) {
    const req: OpenRequest = { contender: name, cell, shape, warmupSteps, stepsPerRun, runs };
    const t0 = Date.now();
    try {
      const id = await page.evaluate((r) => window.gatescopeBench.openContender(r), req);
      const warmupMs = (Date.now() - t0) / warmupSteps;
      open.push({
        name,
        id,
        runs: warmupMs > SLOW_STEP_MS ? 1 : runs,
        times: [],
        losses: [],
        warmupMs,
      });
      console.error(`  ${name}: ready (warm-up ${(warmupMs / 1000).toFixed(1)} s/step)`);
    } catch (e) {
      const reason = (e as Error).message.split('\n')[0].replace(/^page.evaluate: (Error: )?/, '');
      if (reason.startsWith(UNSUPPORTED)) {
        const why = reason.slice(UNSUPPORTED.length);
        console.error(`  ${name}: unsupported: ${why}`);
        failures.push({ contender: name, unsupported: why });
      } else {
        console.error(`  ${name}: unavailable: ${reason}`);
        failures.push({ contender: name, unavailable: reason });
      }
    }
  }
  // Interleave: one timed run of each contender per round, so drift hits all alike.
  for (let round = 0; round < runs; round++) {
    for (const c of open) {
      if (round >= c.runs) continue;
      try {
        const r = await page.evaluate((id) => window.gatescopeBench.timeRun(id), c.id);
        c.times.push(r.msPerStep);
        c.losses.push(r.finalLoss);
        console.error(`  ${c.name}: run ${round + 1}: ${r.msPerStep.toFixed(0)} ms/step`);
      } catch (e) {
        c.runs = round; // stop timing it; reported with what it has, or as failed
        c.error = (e as Error).message.split('\n')[0];
        console.error(`  ${c.name}: failed: ${c.error}`);
      }
    }
  }
  // Auto: the app's calibration on the two gatescope engines, before they are closed.
  let autoPick: AutoPick | undefined;
  let autoError: string | undefined;
  const cpu = open.find((c) => c.name === 'gatescope-cpu');
  const gpu = open.find((c) => c.name === 'gatescope-webgpu');
  if (auto && cpu && gpu) {
    try {
      autoPick = await page.evaluate(([c, g]) => window.gatescopeBench.calibrateAuto(c, g), [
        cpu.id,
        gpu.id,
      ] as const);
      const figures = autoPick.timings
        .map((t) => `${t.key} ${t.cut ? '>' : ''}${t.msPerStep.toFixed(0)} ms`)
        .join(', ');
      console.error(
        `  Auto: ${autoPick.pick} (${autoPick.speedup.toFixed(2)}×; ${figures}; ${autoPick.elapsedMs.toFixed(0)} ms)`,
      );
    } catch (e) {
      autoError = (e as Error).message.split('\n')[0];
      console.error(`  Auto: failed: ${autoError}`);
    }
  }
  const results: ContenderResult[] = [];
  for (const c of open) {
    const stats = await page.evaluate((id) => window.gatescopeBench.stats(id), c.id);
    await page.evaluate((id) => window.gatescopeBench.closeContender(id), c.id);
    if (c.times.length === 0) {
      failures.push({ contender: c.name, unavailable: c.error ?? 'no timed run' });
      continue;
    }
    const sorted = [...c.times].sort((a, b) => a - b);
    const msPerStep = sorted[Math.floor(sorted.length / 2)];
    const tokensPerSecond = (shape.B * shape.T * 1000) / msPerStep;
    results.push({
      contender: c.name,
      msPerStep,
      tokensPerSecond,
      gflops: (tokensPerSecond * flopsPerToken(shape, cell)) / 1e9,
      lossAfterFirstRun: c.losses[0],
      reduced: c.times.length < runs,
      warmupMs: c.warmupMs,
      stats,
    });
  }
  results.push(
    ...(await cappedResults(browser, url, shape, cell, results, failures, {
      names: contenders.filter((c) => capped.has(c)),
      corpusSteps: warmupSteps + runs * stepsPerRun,
      sameWork: warmupSteps + stepsPerRun === 2,
    })),
  );
  // Same work: every contender's loss after its first timed run (same steps, same data) agrees.
  // (A capped contender that was cut, or that ran other step counts, has no loss to compare.)
  const compared = results.filter((r) => r.lossAfterFirstRun !== undefined);
  const reference = compared.find((r) => r.contender === 'gatescope-cpu') ?? compared[0];
  const disagreements: string[] = [];
  for (const r of compared) {
    const rel =
      Math.abs(r.lossAfterFirstRun! - reference.lossAfterFirstRun!) / reference.lossAfterFirstRun!;
    if (!(rel <= 1e-2)) {
      disagreements.push(
        `${label} ${r.contender} loss ${r.lossAfterFirstRun} vs ${reference.lossAfterFirstRun}`,
      );
    }
  }
  return {
    shape,
    cell,
    results: [...results, ...failures],
    disagreements,
    auto: autoOf(autoPick, autoError, results),
  };
}

/** The Auto column: the pick, and how it compares with the bench's own figures. */
function autoOf(
  pick: AutoPick | undefined,
  error: string | undefined,
  results: ContenderResult[],
): AutoResult | undefined {
  if (error) return { error };
  if (!pick) return undefined;
  const measured = (name: string) => results.find((r) => r.contender === name && r.tokensPerSecond);
  const engines = ['gatescope-cpu', 'gatescope-webgpu']
    .map(measured)
    .filter((r) => r !== undefined);
  const faster = engines.sort((a, b) => b.tokensPerSecond! - a.tokensPerSecond!)[0];
  return {
    pick: pick.pick,
    speedup: pick.speedup,
    elapsedMs: pick.elapsedMs,
    timings: pick.timings,
    benchFaster: faster?.contender,
    tokensPerSecond: measured(pick.pick)?.tokensPerSecond,
  };
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
