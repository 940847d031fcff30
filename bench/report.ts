// The benchmark's Markdown tables, one per shape and cell (LSTM, GRU, RNN; the
// ratios compare engines on the same cell): tokens/s, ratios to every TensorFlow.js
// backend, GFLOP/s, the roofline each contender is held to and its % of it,
// dispatches per step and GPU memory where the contender reports them.
// Rooflines: GPU contenders (gatescope-webgpu, tfjs-webgpu, tfjs-webgl) are
// held to max(gatescope's best GEMM, tfjs webgpu/webgl matMul) on the adapter;
// CPU contenders to max(gatescope's wasm GEMM on the CPU engine's threads, tfjs
// wasm/cpu matMul) on the machine's cores. Then, with more than one shape, a
// grid summary (the Auto column: gatescope's calibrate() pick, its speedup,
// whether it agrees with the bench's faster engine, Auto's tokens/s against the
// best TF.js backend), and the targets table of issue 17.

import type { CellType } from '../src/engine/cells';
import { DEFAULT_SHAPE, flopsPerToken, shapeLabel, type BenchShape } from './shapes';

export interface ContenderResult {
  contender: string;
  msPerStep?: number;
  tokensPerSecond?: number;
  gflops?: number;
  lossAfterFirstRun?: number;
  /** Timed fewer times than asked, because one step took too long. */
  reduced?: boolean;
  /** Build and first step(s), per warm-up step: compilation included. */
  warmupMs?: number;
  stats?: Record<string, number | string>;
  unavailable?: string;
  /** The engine does not train this cell (yet): why, in its words. Not a failure. */
  unsupported?: string;
  /** A capped contender cut at this many ms: its step takes at least that long. */
  atLeastMs?: number;
  /** Which step was cut: a timed one, or the first (the warm-up, compilation included). */
  boundOn?: 'timed step' | 'first step';
}

/** gatescope's Auto pick on a shape (calibrate() on its two engines). */
export interface AutoResult {
  pick?: string;
  /** How many times faster than the other engine, by the calibration's own figures. */
  speedup?: number;
  elapsedMs?: number;
  timings?: { key: string; msPerStep: number; steps: number; cut: boolean }[];
  /** The gatescope engine the bench's own timed runs found faster. */
  benchFaster?: string;
  /** The picked engine's tokens/s as the bench measured it. */
  tokensPerSecond?: number;
  error?: string;
}

export interface ShapeReport {
  shape: BenchShape;
  /** Absent in results written before the cells: the LSTM. */
  cell?: CellType;
  results: ContenderResult[];
  disagreements: string[];
  auto?: AutoResult;
}

export interface BenchResult {
  date: string;
  quick: boolean;
  environment: Record<string, unknown>;
  roofline: Record<string, number>;
  reports: ShapeReport[];
  grid?: boolean;
  steps?: { warmup: number; runs: number; stepsPerRun: number; capped: string[] };
  /** The latest `npm run bench:ui` JSON (bench/ui.ts), for the second-visit target. */
  ui?: unknown;
  /** Filled in by formatReport. */
  targets?: Target[];
}

export interface Target {
  target: string;
  figure: string;
  /** undefined: not measured in this run. */
  pass?: boolean;
}

/** Issue 17's bounds. */
export const TARGETS = {
  autoOverBestTfjs: 2,
  cpuOfRoofline: 0.4,
  gpuOfRoofline: 0.8,
  secondVisitMs: 1000,
} as const;

/** Prefix of a contender's error saying its engine does not train this cell (yet): not a failure. */
export const UNSUPPORTED = 'unsupported: ';

const GPU_CONTENDERS = ['gatescope-webgpu', 'tfjs-webgpu', 'tfjs-webgl'];
/** Stats shown in columns of their own, or too detailed for the notes. */
const HIDDEN_STATS = new Set([
  'dispatchesPerStep',
  'gpuBytes',
  'buffers',
  'bindGroups',
  'pipelines',
]);

/** "gemm: vec4 ×3, register ×3" from the per-shape 'gemm <shape>' stats. */
function gemmSummary(stats: Record<string, number | string>): string[] {
  const counts = new Map<string, number>();
  for (const [k, v] of Object.entries(stats)) {
    if (k.startsWith('gemm ')) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
  }
  if (counts.size === 0) return [];
  return [`gemm: ${[...counts].map(([c, n]) => `${c} ×${n}`).join(', ')}`];
}

const fmt = (x: number | undefined, digits = 1) =>
  x === undefined || !Number.isFinite(x) ? '–' : x >= 100 ? x.toFixed(0) : x.toFixed(digits);

export function formatReport(r: BenchResult): string {
  const lines: string[] = [];
  const env = r.environment;
  lines.push(`### gatescope benchmark${r.quick ? ' (--quick: harness check, no claims)' : ''}`);
  lines.push('');
  lines.push(`- ${r.date}; adapter: ${String(env.adapter)}; tfjs ${String(env.tfjsVersion)}`);
  lines.push(
    `- browser: ${String(env.userAgent)}; cross-origin isolated: ${String(env.crossOriginIsolated)}`,
  );
  const roof = Object.entries(r.roofline)
    .map(([k, v]) => `${k} ${fmt(v, 2)}`)
    .join(', ');
  lines.push(
    `- best n³ GEMM GFLOP/s (best of n = 512 and 1024, tfjs webgpu/cpu 512 only; 64 with --quick): ${roof}`,
  );
  const { gpuRoof, cpuRoof } = rooflines(r);
  lines.push(
    `- roofline GFLOP/s: GPU ${fmt(gpuRoof, 2)} (best of gatescope GEMM and tfjs webgpu/webgl matMul), ` +
      `CPU ${fmt(cpuRoof, 2)} (best of gatescope's wasm GEMM on the CPU engine's ` +
      `${String(env.cpuEngineThreads ?? '?')} thread(s) and tfjs wasm/cpu matMul)`,
  );
  if (r.steps) {
    const { warmup, runs, stepsPerRun, capped } = r.steps;
    lines.push(
      `- per contender and shape: ${warmup} warm-up step(s), ${runs} timed run(s) of ` +
        `${stepsPerRun} step(s) (median)` +
        (capped.length > 0
          ? `; capped: ${capped.join(', ')} (a first step, compilation included, cut at 1× the ` +
            `best TF.js backend's first step (at least 5 s), then one timed step cut at 1× its ` +
            `timed step; "> N ms" is where it was cut, a lower bound for that step; see bench/capped.ts)`
          : ''),
    );
  }
  const roofFor = (contender: string) => (GPU_CONTENDERS.includes(contender) ? gpuRoof : cpuRoof);
  for (const report of r.reports) {
    lines.push('');
    lines.push(
      `#### ${shapeLabel(report.shape, report.cell ?? 'lstm')} — ${fmt(flopsPerToken(report.shape, report.cell) / 1e6, 2)} MFLOP per token`,
    );
    lines.push('');
    const tfjs = report.results.filter((x) => x.contender.startsWith('tfjs-') && x.tokensPerSecond);
    lines.push(
      `| contender | tokens/s | ms/step | GFLOP/s | roofline GFLOP/s | % roofline | dispatches/step | GPU MiB | ${tfjs.map((t) => `× ${t.contender}`).join(' | ')} | loss | notes |`,
    );
    lines.push(`|${' --- |'.repeat(10 + tfjs.length)}`);
    for (const x of report.results) {
      const missing = x.unsupported
        ? `unsupported: ${x.unsupported}`
        : x.atLeastMs !== undefined
          ? `capped: ${x.boundOn} cut at ${fmt(x.atLeastMs)} ms`
          : x.unavailable && `unavailable: ${x.unavailable}`;
      if (x.atLeastMs !== undefined) {
        const atMost = (report.shape.B * report.shape.T * 1000) / x.atLeastMs;
        lines.push(
          `| ${x.contender} | < ${fmt(atMost)} | > ${fmt(x.atLeastMs)} | – | – | – | – | – | ${tfjs.map(() => '–').join(' | ')} | – | ${missing} |`,
        );
        continue;
      }
      if (missing) {
        lines.push(
          `| ${x.contender} | – | – | – | – | – | – | – | ${tfjs.map(() => '–').join(' | ')} | – | ${missing} |`,
        );
        continue;
      }
      const ratios = tfjs.map((t) => fmt(x.tokensPerSecond! / t.tokensPerSecond!, 2));
      const stats = x.stats ?? {};
      const roof = roofFor(x.contender);
      const dispatches =
        typeof stats.dispatchesPerStep === 'number' ? stats.dispatchesPerStep : undefined;
      const gpuMiB = typeof stats.gpuBytes === 'number' ? stats.gpuBytes / 2 ** 20 : undefined;
      const notes = [
        ...Object.entries(stats)
          .filter(([k]) => !HIDDEN_STATS.has(k) && !k.startsWith('gemm '))
          .map(([k, v]) => `${k}: ${v}`),
        ...gemmSummary(stats),
      ].join('; ');
      lines.push(
        `| ${x.contender} | ${fmt(x.tokensPerSecond)} | ${fmt(x.msPerStep)} | ${fmt(x.gflops, 2)} | ${fmt(roof, 2)} | ${fmt((100 * x.gflops!) / roof)} | ${dispatches ?? '–'} | ${fmt(gpuMiB)} | ${ratios.join(' | ')} | ${fmt(x.lossAfterFirstRun, 4)} | ${notes}${x.reduced ? '; fewer timed runs (slow)' : ''} |`,
      );
    }
    if (report.auto) lines.push('', autoLine(report));
  }
  if (r.reports.length > 1) lines.push('', ...gridSummary(r));
  // --quick checks the harness on tiny shapes: nothing there is held to a target.
  if (r.quick) return lines.join('\n');
  r.targets = targets(r);
  lines.push(
    '',
    '#### Targets (issue 17)',
    '',
    '| target | figure | result |',
    '| --- | --- | --- |',
  );
  for (const t of r.targets) {
    const result = t.pass === undefined ? 'not measured' : t.pass ? 'pass' : '**miss**';
    lines.push(`| ${t.target} | ${t.figure} | ${result} |`);
  }
  return lines.join('\n');
}

function rooflines(r: BenchResult): { gpuRoof: number; cpuRoof: number } {
  const maxOf = (keys: string[]) =>
    Math.max(...keys.map((k) => r.roofline[k]).filter((v) => Number.isFinite(v)));
  return {
    gpuRoof: maxOf(['gatescope-webgpu', 'tfjs-webgpu', 'tfjs-webgl']),
    cpuRoof: maxOf(['gatescope-wasm', 'tfjs-wasm', 'tfjs-cpu']),
  };
}

/** The fastest TF.js backend measured on a shape (capped ones that were cut are slower). */
function bestTfjs(report: ShapeReport): ContenderResult | undefined {
  return report.results
    .filter((x) => x.contender.startsWith('tfjs-') && x.tokensPerSecond)
    .sort((a, b) => b.tokensPerSecond! - a.tokensPerSecond!)[0];
}

/** Auto's tokens/s over the best TF.js backend's on a shape. */
function autoRatio(report: ShapeReport): number | undefined {
  const best = bestTfjs(report);
  const auto = report.auto?.tokensPerSecond;
  return best && auto ? auto / best.tokensPerSecond! : undefined;
}

function autoLine(report: ShapeReport): string {
  const a = report.auto!;
  if (a.error) return `Auto (calibrate()): failed: ${a.error}`;
  const figures = (a.timings ?? [])
    .map((t) => `${t.key} ${t.cut ? '> ' : ''}${fmt(t.msPerStep)} ms`)
    .join(', ');
  const best = bestTfjs(report);
  const ratio = autoRatio(report);
  return (
    `Auto (calibrate(), ${fmt(a.elapsedMs)} ms: ${figures}): **${a.pick}**, ${fmt(a.speedup, 2)}× ` +
    `the other engine; the bench's faster engine: ${a.benchFaster ?? '–'} ` +
    `(${a.pick === a.benchFaster ? 'agrees' : 'DISAGREES'}); Auto ${fmt(a.tokensPerSecond)} tokens/s` +
    (best ? `, ${fmt(ratio, 2)}× the best TF.js backend (${best.contender})` : '')
  );
}

/** One row per shape: both engines, the best TF.js backend, the Auto column. */
function gridSummary(r: BenchResult): string[] {
  const lines = [
    '#### Grid summary (tokens/s)',
    '',
    '| shape | gatescope WebGPU | gatescope CPU | best TF.js | Auto pick | Auto speedup | agrees with bench | Auto tokens/s | Auto × best TF.js |',
    '| --- | --: | --: | --- | --- | --: | --- | --: | --: |',
  ];
  for (const report of r.reports) {
    const tps = (name: string) =>
      fmt(report.results.find((x) => x.contender === name)?.tokensPerSecond);
    const best = bestTfjs(report);
    const a = report.auto;
    const short = (name?: string) => name?.replace(/^gatescope-/, '') ?? '–';
    lines.push(
      `| ${shapeLabel(report.shape, report.cell ?? 'lstm')} | ${tps('gatescope-webgpu')} | ${tps('gatescope-cpu')} | ` +
        `${best ? `${fmt(best.tokensPerSecond)} (${best.contender.replace(/^tfjs-/, '')})` : '–'} | ` +
        `${a?.error ? 'failed' : short(a?.pick)} | ${fmt(a?.speedup, 2)} | ` +
        `${a?.pick ? (a.pick === a.benchFaster ? 'yes' : '**no**') : '–'} | ${fmt(a?.tokensPerSecond)} | ` +
        `${fmt(autoRatio(report), 2)} |`,
    );
  }
  return lines;
}

const isDefault = (s: BenchShape) =>
  s.V === DEFAULT_SHAPE.V &&
  s.E === DEFAULT_SHAPE.E &&
  s.H === DEFAULT_SHAPE.H &&
  s.L === DEFAULT_SHAPE.L &&
  s.T === DEFAULT_SHAPE.T &&
  s.B === DEFAULT_SHAPE.B;

/** Issue 17's targets, from this run's figures (and the latest bench:ui run's second visit). */
export function targets(r: BenchResult): Target[] {
  const out: Target[] = [];
  const ratios = r.reports
    .map((report) => ({ report, ratio: autoRatio(report) }))
    .filter((x) => x.ratio !== undefined);
  if (ratios.length > 0) {
    const worst = ratios.reduce((a, b) => (b.ratio! < a.ratio! ? b : a));
    const unmeasured = r.reports.length - ratios.length;
    out.push({
      target: `Auto ≥ ${TARGETS.autoOverBestTfjs}× the best TF.js backend on every shape`,
      figure:
        `min ${fmt(worst.ratio, 2)}× at ${shapeLabel(worst.report.shape, worst.report.cell ?? 'lstm')} ` +
        `(${ratios.filter((x) => x.ratio! >= TARGETS.autoOverBestTfjs).length}/${ratios.length} shapes at or above)` +
        (unmeasured > 0 ? `; ${unmeasured} shape(s) without a figure` : ''),
      pass: unmeasured === 0 && worst.ratio! >= TARGETS.autoOverBestTfjs,
    });
  } else {
    out.push({
      target: `Auto ≥ ${TARGETS.autoOverBestTfjs}× the best TF.js backend on every shape`,
      figure: '–',
    });
  }
  const { gpuRoof, cpuRoof } = rooflines(r);
  const atDefault = r.reports.find((x) => isDefault(x.shape) && (x.cell ?? 'lstm') === 'lstm');
  const engine = (name: string) => atDefault?.results.find((x) => x.contender === name && x.gflops);
  const ofRoof = (name: string, roof: number, bound: number, what: string) => {
    const e = engine(name);
    const share = e && Number.isFinite(roof) ? e.gflops! / roof : undefined;
    out.push({
      target: `${what} ≥ ${fmt(100 * bound, 0)}% of its GEMM roofline at the default shape (LSTM)`,
      figure:
        share === undefined
          ? '– (the default shape is not in this run)'
          : `${fmt(100 * share)}% (${fmt(e!.gflops, 2)} of ${fmt(roof, 2)} GFLOP/s)`,
      pass: share === undefined ? undefined : share >= bound,
    });
  };
  ofRoof('gatescope-cpu', cpuRoof, TARGETS.cpuOfRoofline, 'CPU step');
  ofRoof('gatescope-webgpu', gpuRoof, TARGETS.gpuOfRoofline, 'WebGPU step');
  out.push(secondVisit(r.ui));
  return out;
}

/** The second-visit figure of the latest bench:ui run, if it has one. */
export function secondVisit(ui: unknown): Target {
  const target = `first training step within ${TARGETS.secondVisitMs / 1000} s of Train on a second visit (WebGPU page, Auto)`;
  const data = ui as
    | { path?: string; date?: string; rows?: { scenario: string; trainToFirstStepMs?: number }[] }
    | undefined;
  const row = data?.rows?.find((x) => x.scenario === 'second-visit');
  const ms = row?.trainToFirstStepMs;
  if (ms === undefined) {
    return { target, figure: '– (run `npm run bench:ui -- --only=second-visit` first)' };
  }
  return {
    target,
    figure: `${fmt(ms)} ms (bench:ui, ${data?.date?.slice(0, 16) ?? '?'}, ${data?.path ?? ''})`,
    pass: ms <= TARGETS.secondVisitMs,
  };
}
