// `npm run bench`: gatescope against TensorFlow.js, side by side in one run of
// Debian's headless chromium (WebGPU on whatever adapter it has: SwiftShader on
// the build machines), contenders interleaved, medians of several timed runs
// after warm-up. Prints a Markdown table and writes bench/results/latest.json.
//
//   npm run bench                  default shape (V65 E256 H256 L2 T64 B32), every cell
//   npm run bench -- --grid        the H × B × T × L grid (--H=128,256 --B=1,8 ... narrow it)
//   npm run bench -- --quick       tiny shape, one run: checks the harness (no claims)
//   options: --cells=lstm,gru,rnn  --contenders=a,b  --runs=N  --steps=N  --out=path  --headed
//
// Each shape is measured per cell (LSTM, GRU, RNN), the same-work check and the
// ratios within a cell: gatescope's engines against tfjs's layer for that cell.
// A WebGPU engine that does not train a cell yet is reported "unsupported".
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary, L layers.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium } from '../scripts/chromium';
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
  type BenchShape,
} from './shapes';
import { formatReport, UNSUPPORTED, type ContenderResult, type ShapeReport } from './report';

const ALL: ContenderName[] = [
  'gatescope-webgpu',
  'gatescope-cpu',
  'tfjs-webgpu',
  'tfjs-webgl',
  'tfjs-wasm',
  'tfjs-cpu',
];

function option(name: string): string | undefined {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit?.slice(name.length + 3);
}
const flag = (name: string) => process.argv.includes(`--${name}`);

const quick = flag('quick');
/** `--H=128,256` and the like narrow the grid to those values of an axis. */
const narrowed = Object.fromEntries(
  (['H', 'B', 'T', 'L'] as const).flatMap((k) => {
    const v = option(k);
    return v === undefined ? [] : [[k, v.split(',').map(Number)]];
  }),
);
const shapes: BenchShape[] = quick
  ? QUICK_SHAPES
  : flag('grid')
    ? gridShapes(narrowed)
    : [DEFAULT_SHAPE];
const contenders = (option('contenders')?.split(',') as ContenderName[] | undefined) ?? ALL;
const cells: CellType[] = option('cells')?.split(',').map(cellOf) ?? [...CELL_TYPES];
function cellOf(name: string): CellType {
  if (!isCellType(name)) throw new Error(`--cells: ${name} is not one of ${CELL_TYPES.join(', ')}`);
  return name;
}
const runs = Number(option('runs') ?? (quick ? 1 : 3));
const stepsPerRun = Number(option('steps') ?? (quick ? 1 : 2));
const warmupSteps = 2;
/** A contender whose warm-up step takes longer than this gets one timed run, not `runs`. */
const SLOW_STEP_MS = 20_000;
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
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error(`[page] ${e.message}`));
    await page.goto(new URL('bench/browser/index.html', url).href);
    await page.waitForFunction(() => document.title.endsWith('ready'), null, { timeout: 120_000 });
    const environment = await page.evaluate(() => window.gatescopeBench.environment());
    console.error(`browser: ${environment.userAgent}\nadapter: ${environment.adapter}`);

    // The best n³ GEMM each GEMM provider reaches here: tfjs's matMul per backend, and
    // gatescope's own GEMM kernels (every variant its autotune may pick) on the WebGPU adapter.
    const roofline: Record<string, number> = {};
    for (const b of ['gatescope-webgpu', 'tfjs-webgpu', 'tfjs-webgl', 'tfjs-wasm', 'tfjs-cpu']) {
      const n = quick ? 64 : 512;
      roofline[b] = await page
        .evaluate(([backend, size]) => window.gatescopeBench.matMulRoofline(backend, size), [
          b.replace(/^tfjs-/, ''),
          n,
        ] as const)
        .catch(() => NaN);
    }

    const reports: ShapeReport[] = [];
    const result = { date: new Date().toISOString(), quick, environment, roofline, reports };
    mkdirSync(dirname(outPath), { recursive: true });
    for (const shape of shapes)
      for (const cell of cells) {
        reports.push(await benchShape(page, shape, cell));
        // Written after every cell, so a run stopped part-way keeps what it measured.
        writeFileSync(outPath, JSON.stringify(result, null, 2));
      }
    console.log(formatReport(result));
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

async function benchShape(page: Page, shape: BenchShape, cell: CellType): Promise<ShapeReport> {
  const label = shapeLabel(shape, cell);
  console.error(`\n${label}`);
  const open: {
    name: ContenderName;
    id: number;
    runs: number;
    times: number[];
    losses: number[];
    error?: string;
  }[] = [];
  const failures: ContenderResult[] = [];
  for (const name of contenders) {
    const req: OpenRequest = { contender: name, cell, shape, warmupSteps, stepsPerRun, runs };
    const t0 = Date.now();
    try {
      const id = await page.evaluate((r) => window.gatescopeBench.openContender(r), req);
      const warmupMs = (Date.now() - t0) / warmupSteps;
      open.push({ name, id, runs: warmupMs > SLOW_STEP_MS ? 1 : runs, times: [], losses: [] });
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
      stats,
    });
  }
  // Same work: every contender's loss after its first timed run (same steps, same data) agrees.
  const reference = results.find((r) => r.contender === 'gatescope-cpu') ?? results[0];
  const disagreements: string[] = [];
  for (const r of results) {
    const rel =
      Math.abs(r.lossAfterFirstRun! - reference.lossAfterFirstRun!) / reference.lossAfterFirstRun!;
    if (!(rel <= 1e-2)) {
      disagreements.push(
        `${label} ${r.contender} loss ${r.lossAfterFirstRun} vs ${reference.lossAfterFirstRun}`,
      );
    }
  }
  return { shape, cell, results: [...results, ...failures], disagreements };
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
