// The autotune at model build: times the candidate kernels on the model's own
// shapes, on the backend's own buffers, and writes the fastest into the
// KernelPlan before any program is recorded.
//
//   recurrence  per direction, step kernels (T dispatches) against the
//               persistent kernel (1 dispatch), where the latter fits;
//   GEMMs       per product shape (gemm.ts gemmShapeKey), every eligible
//               GemmChoice: register tiles (4×8 and 8×8 with vec4 loads, 4×4
//               scalar), workgroup-memory tiles of 64×64 (scalar or vec4
//               loads), 32×32 and 32×64.
//
// It is short and bounded by a budget (default 1.5 s of wall time). Each
// recurrent direction measures for at most a third of it, after compiling its
// two pipelines (one of them runs every step whatever is chosen). The GEMM
// shapes then share what is left of the whole budget, biggest products first
// (compiles included); a product too big to time whole in its share is timed
// on a slice of its T·B axis (the costs are linear in it), and whatever is
// left when the budget runs out keeps the default. Real GPUs finish in a
// fraction of the budget; software adapters, where one compile takes up to
// seconds, measure the recurrence and little else.
// Every candidate passes the same GPU-vs-CPU tolerance tests, so the choice
// changes speed, never correctness. Choices are cached per adapter (vendor,
// architecture, device, description) and shape in this module, for the
// worker's lifetime; the app's worker keeps them across visits by exporting
// them after a build and importing them before the next (tuningExport /
// tuningImport; the storage itself is the worker's, src/worker/tuningStore.ts).
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers, X layer input; N = T·B rows of the position-wise products.

import {
  defaultChoice,
  eligibleChoices,
  gemmDispatch,
  gemmFlops,
  gemmShapeKey,
  type GemmArgs,
  type GemmChoice,
} from './gemm';
import {
  recordBackward,
  recordForward,
  recordLoss,
  recordRecurrenceBackward,
  recordRecurrenceForward,
  type PassContext,
  type WindowShape,
} from './passes';
import { persistentFits, RECURRENT_MODES, type RecurrentMode } from './plan';
import { ProgramBuilder, type DispatchSpec, type Recorder } from './program';
import { GpuTimer, type TimingMethod } from './timing';

export interface AutotuneOptions {
  /** Wall-clock budget of the whole autotune in ms (default 1500). */
  budgetMs?: number;
  /** Products under this many FLOPs keep the default kernel: launch overhead dominates them. */
  minGemmFlops?: number;
  /** Ignore and overwrite cached choices (tests, benchmarks). */
  fresh?: boolean;
}

export const DEFAULT_AUTOTUNE_BUDGET_MS = 1500;
/** 2^21 FLOPs: about a microsecond on a real GPU, well under a dispatch's overhead. */
export const DEFAULT_MIN_GEMM_FLOPS = 1 << 21;

export type TuneSource = 'measured' | 'cache' | 'default' | 'forced';

export interface GemmTuneRecord {
  choice: GemmChoice;
  source: TuneSource;
  /** ms per run of each candidate (measured only). */
  ms?: Partial<Record<GemmChoice, number>>;
  /** Fraction of the T·B axis that was timed, when the product was shrunk to fit the budget. */
  scale?: number;
  /** Why a default was kept. */
  reason?: string;
}

export interface RecurrentTuneRecord {
  mode: RecurrentMode;
  source: TuneSource;
  /** ms of `steps` timesteps in either mode (measured only). */
  ms?: Partial<Record<RecurrentMode, number>>;
  steps?: number;
  reason?: string;
}

export interface TuneReport {
  method: TimingMethod | 'none';
  /** Wall time the autotune took, ms. */
  wallMs: number;
  gemm: Record<string, GemmTuneRecord>;
  recurrent: { forward: RecurrentTuneRecord; backward: RecurrentTuneRecord };
}

/** adapter key → choice key → choice. */
const cache = new Map<string, Map<string, string>>();

/** Forgets every cached choice (tests start from an empty cache). */
export function clearTuningCache(): void {
  cache.clear();
}

/** One adapter's cached choices: [adapter key, [choice key, choice][]]. */
export type TuningEntries = [string, [string, string][]][];

/** Every cached choice, to be kept across visits. */
export function tuningExport(): TuningEntries {
  return [...cache].map(([adapter, map]) => [adapter, [...map]]);
}

/**
 * Adds choices kept from an earlier visit (those already measured in this
 * worker win). Only the values a tuner reads back are taken: a stale or
 * altered record cannot plant anything else in the plan.
 */
export function tuningImport(entries: unknown): void {
  if (!Array.isArray(entries)) return;
  for (const entry of entries as unknown[]) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !Array.isArray(entry[1])) continue;
    for (const pair of entry[1] as unknown[]) {
      if (!Array.isArray(pair) || typeof pair[0] !== 'string' || typeof pair[1] !== 'string')
        continue;
      if (cached(entry[0], pair[0]) === undefined) remember(entry[0], pair[0], pair[1]);
    }
  }
}

function cached(adapter: string, key: string): string | undefined {
  return cache.get(adapter)?.get(key);
}

function remember(adapter: string, key: string, value: string): void {
  const map = cache.get(adapter) ?? new Map<string, string>();
  map.set(key, value);
  cache.set(adapter, map);
}

/** Sees what the passes record without building anything. */
class Collector implements Recorder {
  dispatch(): void {}
  copy(): void {}
  clear(): void {}
}

/** The distinct GEMM shapes of one training step, biggest first. */
export function trainingGemms(ctx: PassContext, shape: WindowShape): GemmArgs[] {
  const seen = new Map<string, GemmArgs>();
  const previous = ctx.plan.observer;
  ctx.plan.observer = (args) => {
    const key = gemmShapeKey(args);
    if (!seen.has(key)) seen.set(key, args);
  };
  try {
    const rec = new Collector();
    recordForward(rec, ctx, shape);
    recordLoss(rec, ctx, shape);
    recordBackward(rec, ctx, shape);
  } finally {
    ctx.plan.observer = previous;
  }
  return [...seen.values()].sort((a, b) => gemmFlops(b) - gemmFlops(a));
}

/** The product with its T·B axis (M, or K for Aᵀ·B) cut to `rows`. */
function sliced(g: GemmArgs, rows: number): GemmArgs {
  return g.transA ? { ...g, K: rows } : { ...g, M: rows };
}

function rowsOf(g: GemmArgs): number {
  return g.transA ? g.K : g.M;
}

type Before = (encoder: GPUCommandEncoder) => void;

class Tuner {
  readonly timer: GpuTimer;
  private readonly deadline: number;
  private readonly uniformBuffers: GPUBuffer[] = [];

  constructor(
    private readonly ctx: PassContext,
    budgetMs: number,
  ) {
    this.timer = new GpuTimer(ctx.kernels.resources);
    this.deadline = performance.now() + budgetMs;
  }

  get remaining(): number {
    return this.deadline - performance.now();
  }

  /** Creates the pipelines the dispatches use (cached by the kernel library), running nothing. */
  compile(record: (rec: Recorder) => void): void {
    const kernels = this.ctx.kernels;
    record({
      dispatch: (spec: DispatchSpec) => kernels.pipeline(spec.kernel, spec.constants),
      copy: () => undefined,
      clear: () => undefined,
    });
  }

  /** ms of one use of the dispatches (recorded `reps` times into one pass) per repetition. */
  async time(
    label: string,
    record: (rec: Recorder) => void,
    reps = 1,
    before?: Before,
  ): Promise<number> {
    const rec = new ProgramBuilder(this.ctx.kernels, `autotune ${label}`);
    for (let r = 0; r < reps; r++) record(rec);
    const program = rec.build();
    this.uniformBuffers.push(program.uniformBuffer);
    return (await this.timer.time(program, before)) / reps;
  }

  /**
   * A warm-up run of `warm` (first use of a pipeline is slow on some
   * adapters; pass a cheaper version of the work), then the best of `runs`
   * timed runs of `record`, each repeated `reps` times in one pass.
   */
  async best(
    label: string,
    record: (rec: Recorder) => void,
    warm: (rec: Recorder) => void,
    { reps = 1, runs = 2, before }: { reps?: number; runs?: number; before?: Before } = {},
  ): Promise<number> {
    await this.time(`${label} warm-up`, warm, 1, before);
    let best = Infinity;
    for (let r = 0; r < runs; r++) {
      best = Math.min(best, await this.time(label, record, reps, before));
    }
    return best;
  }

  dispose(): void {
    this.timer.dispose();
    for (const buffer of this.uniformBuffers) this.ctx.kernels.resources.release(buffer);
  }
}

/**
 * Fills ctx.plan for training windows of `shape`: the recurrent modes when
 * `recurrent` is true (the option was 'auto'), the GEMM choices when the
 * plan's variant is 'auto'. Resolves with what was measured and chosen.
 */
export async function autotune(
  ctx: PassContext,
  shape: WindowShape,
  adapter: string,
  recurrent: boolean,
  options: AutotuneOptions = {},
): Promise<TuneReport> {
  const start = performance.now();
  const budget = options.budgetMs ?? DEFAULT_AUTOTUNE_BUDGET_MS;
  const tuner = new Tuner(ctx, budget);
  const report: TuneReport = {
    method: tuner.timer.method,
    wallMs: 0,
    gemm: {},
    recurrent: {
      forward: { mode: ctx.plan.recurrent.forward, source: 'forced' },
      backward: { mode: ctx.plan.recurrent.backward, source: 'forced' },
    },
  };
  try {
    if (recurrent) {
      // Forward first: backward's timing needs nothing from it (it runs on cleared buffers).
      for (const direction of ['forward', 'backward'] as const) {
        const record = await tuneRecurrence(ctx, tuner, shape, adapter, direction, options, budget);
        ctx.plan.recurrent[direction] = record.mode;
        report.recurrent[direction] = record;
      }
    }
    if (ctx.plan.gemmVariant === 'auto') {
      const gemms = trainingGemms(ctx, shape);
      for (let i = 0; i < gemms.length; i++) {
        const args = gemms[i];
        const record = await tuneGemm(tuner, args, adapter, options, gemms.length - i);
        ctx.plan.gemmChoices.set(gemmShapeKey(args), record.choice);
        report.gemm[gemmShapeKey(args)] = record;
      }
    }
    report.method = tuner.timer.method;
  } finally {
    tuner.dispose();
  }
  report.wallMs = performance.now() - start;
  return report;
}

async function tuneRecurrence(
  ctx: PassContext,
  tuner: Tuner,
  { T, B }: WindowShape,
  adapter: string,
  direction: 'forward' | 'backward',
  options: AutotuneOptions,
  budget: number,
): Promise<RecurrentTuneRecord> {
  const H = ctx.model.hiddenSize;
  const cell = ctx.model.cell;
  if (!persistentFits(H, ctx.kernels.device.limits, direction, cell)) {
    return {
      mode: 'step',
      source: 'default',
      reason: 'persistent kernel exceeds workgroup memory',
    };
  }
  // What runs unmeasured (it fits, see above): as initialRecurrentMode in plan.ts.
  const fallback: RecurrentMode = 'persistent';
  const key = `${cell}-${direction} H${H} B${B} T${T}`;
  const hit = options.fresh ? undefined : cached(adapter, key);
  if (hit === 'step' || hit === 'persistent') return { mode: hit, source: 'cache' };
  const record = (rec: Recorder, steps: number, mode: RecurrentMode) =>
    direction === 'forward'
      ? recordRecurrenceForward(rec, ctx, 0, { T: steps, B }, mode)
      : recordRecurrenceBackward(rec, ctx, 0, { T: steps, B }, mode);
  const { arena } = ctx;
  const layer = arena.layers[0];
  // Backward reads activated gates, dH, the layer's states and dc: zeros keep every run's
  // numbers tame.
  const before =
    direction === 'backward'
      ? (encoder: GPUCommandEncoder) => {
          encoder.clearBuffer(layer.gates);
          encoder.clearBuffer(layer.cAll);
          encoder.clearBuffer(arena.dH);
          encoder.clearBuffer(arena.dc);
        }
      : undefined;
  if (budget <= 0) return { mode: fallback, source: 'default', reason: 'no autotune budget' };
  // The smallest window that exercises the kernels: one step forward, two
  // backward (the first backward step has no recurrent product).
  const small = Math.min(T, direction === 'forward' ? 1 : 2);
  const stepSmall = (rec: Recorder) => record(rec, small, 'step');
  const persistentSmall = (rec: Recorder) => record(rec, small, 'persistent');
  // Both pipelines are compiled before the clock starts: one of them runs
  // every step whatever is chosen, and compiling takes seconds on software
  // adapters, which would leave no time to measure anything.
  tuner.compile(stepSmall);
  tuner.compile(persistentSmall);
  // A third of the budget per direction, whatever the compiles took (it
  // decides the dispatch count, and on slow adapters most of a step's time).
  const deadline = performance.now() + budget / 3;
  // One run of each on the small window: the comparison of last resort, and
  // the step kernel's rate (inflated by first use, so the plan errs short).
  const ms: Record<RecurrentMode, number> = {
    step: await tuner.time(`${direction} step ×${small}`, stepSmall, 1, before),
    persistent: await tuner.time(`${direction} persistent ×${small}`, persistentSmall, 1, before),
  };
  const perStep = ms.step / small;
  // Then both modes, `runs` timed runs of `steps` steps each, in what is left.
  const left = deadline - performance.now();
  let runs = 2;
  let steps = Math.min(T, Math.floor(left / (2 * runs * perStep)));
  if (steps <= small) {
    runs = 1;
    steps = Math.min(T, Math.floor(left / (2 * perStep)));
  }
  if (steps <= small) {
    // One or two steps of a longer window cannot show what the persistent kernel saves
    // over a whole one (its set-up is paid once per window): keep the default.
    if (small < T)
      return { mode: fallback, source: 'default', reason: 'no time to time a window', ms };
    steps = small; // the whole window is what was timed
  } else {
    ms.step = ms.persistent = Infinity;
    for (let r = 0; r < runs; r++) {
      for (const mode of RECURRENT_MODES) {
        const t = await tuner.time(
          `${direction} ${mode} ×${steps}`,
          (rec) => record(rec, steps, mode),
          1,
          before,
        );
        ms[mode] = Math.min(ms[mode], t);
      }
    }
  }
  // Ties go persistent (fewer dispatches is also less for the browser to
  // validate), and by more when a short measurement cannot see most of the
  // T − 1 dispatches it saves per window.
  const margin = steps < Math.min(T, 4) ? 1.1 : 1.02;
  const mode: RecurrentMode = ms.persistent <= ms.step * margin ? 'persistent' : 'step';
  remember(adapter, key, mode);
  return { mode, source: 'measured', ms, steps };
}

async function tuneGemm(
  tuner: Tuner,
  args: GemmArgs,
  adapter: string,
  options: AutotuneOptions,
  shapesLeft: number,
): Promise<GemmTuneRecord> {
  const key = gemmShapeKey(args);
  const fallback = defaultChoice(args);
  const candidates = eligibleChoices(args);
  const hit = options.fresh ? undefined : cached(adapter, `gemm ${key}`);
  if (hit && (candidates as string[]).includes(hit)) {
    return { choice: hit as GemmChoice, source: 'cache' };
  }
  if (gemmFlops(args) < (options.minGemmFlops ?? DEFAULT_MIN_GEMM_FLOPS)) {
    return { choice: fallback, source: 'default', reason: 'too small to matter' };
  }
  if (tuner.remaining <= 0) {
    return { choice: fallback, source: 'default', reason: 'over the autotune budget' };
  }
  const dispatch = (g: GemmArgs, choice: GemmChoice) => (rec: Recorder) =>
    rec.dispatch(gemmDispatch(g, choice) satisfies DispatchSpec);
  // The rate from a slice of at most 128 rows of the T·B axis, in the default kernel.
  const rows = rowsOf(args);
  const probeRows = Math.min(rows, 128);
  const probe = dispatch(sliced(args, probeRows), fallback);
  const probeMs = await tuner.best(`${key} probe`, probe, probe, { runs: 1 });
  const fullMs = (probeMs * rows) / probeRows;
  // Each candidate: a warm-up and two timed runs, in this product's share of what is left.
  const allowance = tuner.remaining / shapesLeft;
  const scale = Math.min(1, allowance / (3 * candidates.length * fullMs));
  const tuneRows = Math.min(rows, Math.max(probeRows, Math.floor((rows * scale) / 64) * 64));
  const runMs = (fullMs * tuneRows) / rows;
  // Repeat short products inside one pass so timer granularity and submit latency wash out.
  const reps = Math.max(1, Math.min(8, Math.ceil(0.5 / Math.max(runMs, 1e-3))));
  const g = sliced(args, tuneRows);
  const warm = sliced(args, probeRows);
  const ms: Partial<Record<GemmChoice, number>> = {};
  let complete = true;
  for (const choice of candidates) {
    // The default is timed first; past the budget the rest are left out.
    if (tuner.remaining <= 0 && ms[fallback] !== undefined) {
      complete = false;
      break;
    }
    ms[choice] = await tuner.best(`${key} ${choice}`, dispatch(g, choice), dispatch(warm, choice), {
      reps,
    });
  }
  let choice = fallback;
  for (const [c, t] of Object.entries(ms) as [GemmChoice, number][]) {
    // Within 3% of the default is noise: keep the default, so reruns agree.
    if (t < (ms[choice] ?? Infinity) && t < (ms[fallback] ?? Infinity) * 0.97) choice = c;
  }
  // Only a full comparison is worth remembering; a partial one is redone next time.
  if (complete) remember(adapter, `gemm ${key}`, choice);
  return {
    choice,
    source: 'measured',
    ms,
    ...(tuneRows < rows ? { scale: tuneRows / rows } : {}),
    ...(complete ? {} : { reason: 'budget ran out before every candidate was timed' }),
  };
}
