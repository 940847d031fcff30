// The CPU reference backend: readable, exact, and the fallback when WebGPU is
// missing. Every GPU result is checked against it.
//
// Dimension legend: T window, B batch, E embedding, H hidden, V vocabulary,
// L layers, D directions, O head outputs (task.ts outputSize), Ci values read
// per timestep (forecast). Batches are time-major (T, B).
//
// Every task runs here: language models, taggers (uni or bidirectional, every
// window from zero state) and forecasts (values in, squared error). The
// gradient-flow view is for left-to-right models only (it throws for D = 2).

import { CELLS } from '../cells';
import type {
  Backend,
  BackendInfo,
  Batch,
  GradientSource,
  LayerActivations,
  PredictStream,
  ProbeInput,
  ProbeResult,
  SampleOptions,
  Sampler,
  StepLoss,
  WindowGradients,
  GradientFlow,
} from '../backend';
import { checkBatch, checkSampleOptions, checkTokens } from '../batchCheck';
import { validateModelConfig, type ModelConfig, type OptimizerConfig } from '../config';
import type { DropoutSpec } from '../dropout';
import { decayMask, paramLayout, type ParamLayout } from '../params';
import { Rng } from '../rng';
import { carriesState, outputSize, readsTokens, taskOf } from '../task';
import type { AdamMoments, RecurrentState } from '../state';
import { serialGemm, type Arr, type GemmOps } from './gemm';
import { adamStep, allFinite, clipScale, globalNorm } from './adam';
import type { LayerTrace } from './layerTypes';
import {
  batchInput,
  batchTargets,
  carryState,
  lossTerms,
  modelForward,
  modelForwardBackward,
  viewArena,
  windowLossSum,
  windowMasks,
  Workspace,
  workspaceAllocations,
  zeroState,
  type ModelView,
} from './model';
import { gradientFlowOf } from './gradientFlow';
import { sampleToken } from './sampling';
import { GemmPool, type SpawnGemmWorker } from './parallel/pool';
import { Arena } from './wasm/arena';
import { gemmKernel } from './wasm/compile';
import { packedRecurrentFloats, widestProduct } from './wasm/footprint';
import { gemmScratchBytes, KernelInstance, WasmGemm } from './wasm/kernel';
import { PackedWeights } from './wasm/packed';

export interface CpuBackendOptions {
  batchSize: number;
  seqLen: number;
  /**
   * Extra threads for the matrix products of training, and how to start one
   * (see parallel/). Omitted or 0: everything runs on the calling thread.
   */
  parallel?: { threads: number; spawn: SpawnGemmWorker };
  /**
   * Whose matrix products: 'wasm' (default) runs the SIMD kernel of wasm/
   * where it compiles, else gemm.ts; 'ts' always gemm.ts, the readable
   * reference (tests compare the two).
   */
  kernel?: 'wasm' | 'ts';
  /**
   * With the wasm kernel, pack each recurrent weight once per training step
   * (wasm/packed.ts) rather than in each timestep's product; default true.
   * False only to measure what it saves (scripts/measureStep.ts): same results.
   */
  packWeights?: boolean;
}

/** The training state at one step, copied in memory (see Backend.snapshot). */
interface Snapshot extends AdamMoments, RecurrentState {
  params: Float32Array; // arena
}

export class CpuBackend implements Backend, GradientSource {
  readonly info: BackendInfo;
  readonly layout: ParamLayout;
  private params: Float32Array; // arena, see params.ts
  private grads: Float32Array; // arena
  private m: Float32Array; // Adam first moment, arena
  private v: Float32Array; // Adam second moment, arena
  private readonly mask: Float32Array; // 1 where weight decay applies, arena
  private readonly weights: ModelView;
  private readonly gradViews: ModelView;
  private state: RecurrentState; // (L, B, H) each
  private readonly workspaces = new Map<string, Workspace>();
  private pending: StepLoss[] = [];
  private stepCount = 0;
  /** At most two, oldest first: a newer one is taken while the older is the known good one. */
  private snapshots: Snapshot[] = [];
  /** The parameters at the best validation so far (keepBest), and their step. */
  private best: { step: number; params: Float32Array } | null = null;
  private readonly pool: GemmPool | null = null;
  /** Every product goes through here: the pool, the wasm kernel, or gemm.ts. */
  private readonly gemm: GemmOps;
  private readonly trainingWorkspace: Workspace;
  /** Each Wh packed once per training step for the per-timestep products; with the wasm kernel. */
  private readonly packs: PackedWeights | null = null;
  /** Which kernel runs the products: the wasm one (with or without relaxed-SIMD FMA) or gemm.ts. */
  readonly gemmKernel: 'wasm-fma' | 'wasm' | 'ts';

  constructor(
    readonly model: ModelConfig,
    params: Float32Array,
    private readonly options: CpuBackendOptions,
  ) {
    validateModelConfig(model);
    this.layout = paramLayout(model);
    if (params.length !== this.layout.total) {
      throw new Error(
        `parameter arena has ${params.length} floats, the model needs ${this.layout.total}`,
      );
    }
    const { batchSize: B, seqLen: T } = options;
    const threads = options.parallel?.threads ?? 0;
    const kernel = options.kernel === 'ts' ? null : gemmKernel();
    this.gemmKernel = kernel ? (kernel.fma ? 'wasm-fma' : 'wasm') : 'ts';
    // What the constructor allocates below: params, grads, h, c and the training workspace
    // (its dropout copies included, should dropout ever be on). With worker threads or the
    // wasm kernel they live in one memory the products read in place (wasm/arena.ts),
    // with a kernel scratch per thread.
    const state = model.layers * B * model.hiddenSize;
    const floats = Arena.floatsFor([
      this.layout.total,
      this.layout.total,
      state,
      state,
      ...workspaceAllocations(model, T, B),
    ]);
    const scratchBytes = kernel ? gemmScratchBytes(widestProduct(model)) : 0;
    const packing = kernel !== null && options.packWeights !== false;
    const packFloats = packing ? packedRecurrentFloats(model) : 0;
    let allocate: (n: number) => Float32Array = (n) => new Float32Array(n);
    let gemm: GemmOps = serialGemm;
    if (threads > 0 && options.parallel) {
      const memory = new Arena(
        (floats + packFloats) * 4 + (threads + 1) * (scratchBytes + 16),
        true,
      );
      this.packs = packing ? new PackedWeights(memory) : null;
      this.pool = new GemmPool(
        memory,
        threads,
        options.parallel.spawn,
        kernel,
        scratchBytes,
        this.packs,
      );
      allocate = (n) => memory.allocate(n);
      gemm = this.pool;
    } else if (kernel) {
      const memory = new Arena((floats + packFloats) * 4 + scratchBytes + 16, false);
      const scratch = memory.allocateBytes(scratchBytes);
      this.packs = packing ? new PackedWeights(memory) : null;
      gemm = new WasmGemm(
        kernel,
        new KernelInstance(kernel.private, memory.memory, scratch, scratchBytes),
        this.packs,
      );
      allocate = (n) => memory.allocate(n);
    }
    this.gemm = gemm;
    const device = ['CPU', this.pool && `${this.pool.threads} threads`, kernel && 'wasm SIMD'];
    this.info = { kind: 'cpu', device: device.filter(Boolean).join(', ') };
    this.params = allocate(this.layout.total);
    this.params.set(params);
    this.grads = allocate(this.layout.total);
    this.m = new Float32Array(this.layout.total);
    this.v = new Float32Array(this.layout.total);
    this.mask = decayMask(this.layout);
    this.weights = viewArena(this.layout, this.params);
    this.gradViews = viewArena(this.layout, this.grads);
    const H = model.hiddenSize;
    for (const w of [...this.weights.layers, ...this.weights.reverse]) {
      const G = w.wh.length / H;
      this.packs?.add(w.wh as Float32Array, false, G, H); // h·Wh (NN)
      this.packs?.add(w.wh as Float32Array, true, H, G); // dG·Whᵀ (NT)
    }
    const n = model.layers * B * model.hiddenSize;
    this.state = { h: allocate(n), c: allocate(n) };
    this.trainingWorkspace = new Workspace(Float32Array, model, T, B, gemm, allocate);
    this.workspaces.set(`${T}x${B}`, this.trainingWorkspace);
  }

  /** Threads doing the matrix products of a training step. */
  get threads(): number {
    return this.pool?.threads ?? 1;
  }

  /**
   * Resolves true once every GEMM worker is running (at once without a pool),
   * false if one failed or they did not all start in time. Until then training
   * products run on the calling thread, with the same results; a browser only
   * starts a worker's workers once it returns to its event loop, so await this
   * before the first step (see createCpuBackend).
   */
  async threadsReady(timeoutMs?: number): Promise<boolean> {
    return this.pool ? this.pool.ready(timeoutMs) : true;
  }

  /** Training products split across GEMM workers so far: 0 means all ran on one thread. */
  get parallelProducts(): number {
    return this.pool?.parallelProducts ?? 0;
  }

  /** Why the GEMM workers did not start, if they did not. */
  get threadsError(): string | null {
    return this.pool?.error ?? null;
  }

  get step(): number {
    return this.stepCount;
  }

  private workspace(T: number, B: number): Workspace {
    const key = `${T}x${B}`;
    let ws = this.workspaces.get(key);
    if (!ws) {
      ws = new Workspace(Float32Array, this.model, T, B, this.gemm);
      this.workspaces.set(key, ws);
    }
    return ws;
  }

  private checkBatch(batch: Batch, training: boolean): void {
    checkBatch(
      batch,
      { ...this.options, vocabSize: this.model.vocabSize, model: this.model },
      training,
    );
  }

  trainStep(
    batch: Batch,
    optimizer: OptimizerConfig,
    snapshotAfter = false,
    dropout?: DropoutSpec,
  ): void {
    this.checkBatch(batch, true);
    // The usual window goes straight to its workspace (shared with the GEMM workers), no lookup key.
    const ws =
      batch.seqLen === this.options.seqLen
        ? this.trainingWorkspace
        : this.workspace(batch.seqLen, batch.batchSize);
    this.grads.fill(0);
    // The weights stay as they are until Adam below: pack each Wh once for all T timesteps.
    this.holdPacks();
    let loss: number;
    try {
      loss = modelForwardBackward(
        ws,
        this.weights,
        this.gradViews,
        batchInput(this.model, batch),
        batchTargets(this.model, batch),
        this.state,
        // The masks of the step being taken (dropout.ts): a pure function of it, so a rollback replays them.
        dropout && windowMasks(ws, dropout, this.stepCount + 1),
      );
    } finally {
      this.packs?.release();
    }
    // A tagging or bidirectional window starts from zero: nothing is carried (task.ts).
    if (carriesState(this.model)) carryState(ws, this.state);
    const norm = globalNorm(this.grads);
    this.stepCount++;
    // A non-finite norm would spread NaN into every weight and moment: skip the update
    // (as adam.wgsl does), so the trainer's rollback has less to undo.
    const weightsFinite = Number.isFinite(norm)
      ? adamStep(
          this.params,
          this.grads,
          this.m,
          this.v,
          this.mask,
          clipScale(norm, optimizer.clipNorm),
          this.stepCount,
          optimizer,
        )
      : allFinite(this.params);
    this.pending.push({ step: this.stepCount, loss, gradNorm: norm, weightsFinite });
    if (snapshotAfter) this.snapshot();
  }

  private holdPacks(): void {
    const kernel =
      this.pool?.kernelInstance ?? (this.gemm instanceof WasmGemm ? this.gemm.resident : null);
    if (this.packs && kernel) this.packs.hold(kernel);
  }

  keepBest(): number {
    this.best ??= { step: 0, params: new Float32Array(this.params.length) };
    this.best.params.set(this.params);
    this.best.step = this.stepCount;
    return this.stepCount;
  }

  get bestStep(): number | null {
    return this.best?.step ?? null;
  }

  async restoreBest(): Promise<void> {
    if (!this.best) throw new Error('no best weights to restore');
    this.params.set(this.best.params);
  }

  async getBestParams(): Promise<Float32Array | null> {
    return this.best?.params.slice() ?? null;
  }

  async setBestParams(params: Float32Array | null, step = this.stepCount): Promise<void> {
    if (params && params.length !== this.layout.total) {
      throw new Error('best weights do not match the parameter arena');
    }
    this.best = params ? { step, params: params.slice() } : null;
  }

  get snapshotSteps(): readonly number[] {
    return this.snapshots.map((s) => s.step);
  }

  snapshot(): number {
    // Reuses the older slot's arrays once both exist: no allocation per snapshot.
    const slot: Snapshot =
      this.snapshots.length === 2
        ? this.snapshots.shift()!
        : {
            step: 0,
            params: new Float32Array(this.params.length),
            m: new Float32Array(this.m.length),
            v: new Float32Array(this.v.length),
            h: new Float32Array(this.state.h.length),
            c: new Float32Array(this.state.c.length),
          };
    slot.step = this.stepCount;
    slot.params.set(this.params);
    slot.m.set(this.m);
    slot.v.set(this.v);
    slot.h.set(this.state.h);
    slot.c.set(this.state.c);
    this.snapshots.push(slot);
    return slot.step;
  }

  async rollback(step: number): Promise<void> {
    const slot = this.snapshots.find((s) => s.step === step);
    if (!slot) throw new Error(`no snapshot of step ${step} to roll back to`);
    this.params.set(slot.params);
    this.m.set(slot.m);
    this.v.set(slot.v);
    this.state.h.set(slot.h);
    this.state.c.set(slot.c);
    this.stepCount = step;
    // Snapshots taken after it describe the abandoned future.
    this.snapshots = this.snapshots.filter((s) => s.step <= step);
    this.pending = this.pending.filter((l) => l.step <= step);
  }

  /** Steps run synchronously here: every loss is ready, whatever `through` asks. */
  async drainLosses(): Promise<StepLoss[]> {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  flushLosses(): void {
    // Nothing to bring back: the losses are on the host already.
  }

  resetState(): void {
    this.state.h.fill(0);
    this.state.c.fill(0);
  }

  async evaluate(batches: Batch[]): Promise<number> {
    if (batches.length === 0) return NaN;
    const B = batches[0].batchSize;
    const state = zeroState(Float32Array, this.model, B);
    let sum = 0;
    let count = 0;
    for (const batch of batches) {
      this.checkBatch(batch, false);
      if (batch.batchSize !== B) throw new Error('validation windows must share one batch size');
      const ws = this.workspace(batch.seqLen, B);
      modelForward(ws, this.weights, batchInput(this.model, batch), state);
      sum += windowLossSum(ws, batchTargets(this.model, batch));
      count += lossTerms(this.model, batch.seqLen, B);
      if (carriesState(this.model)) carryState(ws, state);
    }
    return sum / count;
  }

  async predict(batches: Batch[]): Promise<Float32Array[]> {
    const stream = this.predictStream();
    const out: Float32Array[] = [];
    for (const batch of batches) out.push(await stream.next(batch));
    return out;
  }

  predictStream(): PredictStream {
    // The stream's own state: nothing else on the CPU engine can end it.
    let state: RecurrentState<Arr> | null = null;
    let B = 0;
    const O = outputSize(this.model);
    return {
      next: async (batch) => {
        this.checkBatch(batch, false);
        if (!state) {
          B = batch.batchSize;
          state = zeroState(Float32Array, this.model, B);
        }
        if (batch.batchSize !== B) throw new Error('prediction windows must share one batch size');
        const ws = this.workspace(batch.seqLen, B);
        modelForward(ws, this.weights, batchInput(this.model, batch), state);
        if (carriesState(this.model)) carryState(ws, state);
        return Float32Array.from(ws.logits.subarray(0, batch.seqLen * B * O));
      },
    };
  }

  async gradients(batch: Batch, dropout?: DropoutSpec): Promise<WindowGradients> {
    this.checkBatch(batch, true);
    const grads = new Float32Array(this.layout.total);
    const ws = this.workspace(batch.seqLen, batch.batchSize);
    const loss = modelForwardBackward(
      ws,
      this.weights,
      viewArena(this.layout, grads),
      batchInput(this.model, batch),
      batchTargets(this.model, batch),
      this.state,
      dropout && windowMasks(ws, dropout, this.stepCount + 1),
    );
    return { loss, grads };
  }

  createSampler(options: SampleOptions): Sampler {
    if (taskOf(this.model) !== 'lm') throw new Error('only a language model generates text');
    checkSampleOptions(options, this.model.vocabSize);
    const rng = new Rng(options.seed);
    const state = zeroState(Float32Array, this.model, 1);
    const V = this.model.vocabSize;
    // Feed the prime; the last position's logits give the first sampled token.
    const ws = new Workspace(Float32Array, this.model, options.prime.length, 1);
    modelForward(ws, this.weights, options.prime, state);
    carryState(ws, state);
    let logits = ws.logits.slice((options.prime.length - 1) * V, options.prime.length * V);
    const step = this.workspace(1, 1);
    const input = new Int32Array(1);
    let disposed = false;
    return {
      next: async (count: number) => {
        if (disposed) throw new Error('sampler was disposed');
        const out = new Int32Array(count);
        for (let k = 0; k < count; k++) {
          out[k] = sampleToken(logits, options.temperature, options.topK, rng.next());
          input[0] = out[k];
          modelForward(step, this.weights, input, state);
          carryState(step, state);
          logits = step.logits.slice(0, V);
        }
        return out;
      },
      dispose: () => {
        disposed = true;
      },
    };
  }

  async probe(input: ProbeInput): Promise<ProbeResult> {
    const m = this.model;
    const T = this.probeLength(input);
    const H = m.hiddenSize;
    const ws = new Workspace(Float32Array, m, T, 1);
    modelForward(ws, this.weights, input, zeroState(Float32Array, m, 1));
    const G = CELLS[m.cell].gates;
    // A reverse trace is in reversed time: row s is position T − 1 − s; the probe gives text order.
    const activations = (trace: LayerTrace, reversed: boolean): LayerActivations => {
      const rows = (src: Arr, width: number, k: number) => {
        const out = new Float32Array(T * H);
        for (let t = 0; t < T; t++) {
          const from = (reversed ? T - 1 - t : t) * H;
          for (let j = 0; j < H; j++) out[t * H + j] = src[(from + j) * width + k];
        }
        return out;
      };
      const gate = (k: number) => rows(trace.gates, G, k);
      const h = rows(trace.h, 1, 0);
      if (m.cell === 'lstm') {
        return { i: gate(0), f: gate(1), g: gate(2), o: gate(3), c: rows(trace.c, 1, 0), h };
      }
      return m.cell === 'gru' ? { r: gate(0), z: gate(1), n: gate(2), h } : { h };
    };
    const layers = ws.traces.map((trace) => activations(trace, false));
    const logits = Float32Array.from(ws.logits.subarray(0, T * outputSize(m)));
    if (ws.reverseTraces.length === 0) return { length: T, layers, logits };
    const reverse = ws.reverseTraces.map((trace) => activations(trace, true));
    return { length: T, layers, reverse, logits };
  }

  /** P of a probe input, after checking it is what the model reads. */
  private probeLength(input: ProbeInput): number {
    const m = this.model;
    if (readsTokens(m)) {
      if (!(input instanceof Int32Array)) throw new Error('this model is probed with token ids');
      checkTokens(input, m.vocabSize);
      return input.length;
    }
    const Ci = m.seriesInputs ?? 0;
    if (!(input instanceof Float32Array)) throw new Error('a forecast is probed with values');
    if (input.length % Ci !== 0) {
      throw new Error(`probe values have ${input.length} numbers, not a multiple of Ci=${Ci}`);
    }
    const bad = input.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new Error(`probe values hold ${input[bad]} at position ${bad}`);
    return input.length / Ci;
  }

  async gradientFlow(batch: Batch): Promise<GradientFlow> {
    // Like evaluate: any B up to the training one (the trainer's probe window takes ≤ 8 streams).
    this.checkBatch(batch, false);
    const ws = this.workspace(batch.seqLen, batch.batchSize);
    return gradientFlowOf(Float32Array, ws, this.layout, this.weights, batch);
  }

  async getParams(): Promise<Float32Array> {
    return this.params.slice();
  }

  async setParams(params: Float32Array, moments?: AdamMoments): Promise<void> {
    if (params.length !== this.layout.total)
      throw new Error('parameter arena size does not match the model');
    this.params.set(params);
    this.snapshots = [];
    this.best = null;
    if (moments) {
      this.m.set(moments.m);
      this.v.set(moments.v);
      this.stepCount = moments.step;
    } else {
      this.m.fill(0);
      this.v.fill(0);
      this.stepCount = 0;
    }
  }

  async getOptimizerState(): Promise<AdamMoments> {
    return { m: this.m.slice(), v: this.v.slice(), step: this.stepCount };
  }

  async getState(): Promise<RecurrentState> {
    return { h: Float32Array.from(this.state.h), c: Float32Array.from(this.state.c) };
  }

  async setState(state: RecurrentState): Promise<void> {
    if (state.h.length !== this.state.h.length || state.c.length !== this.state.c.length) {
      throw new Error('saved (h, c) does not match L·B·H of this model');
    }
    this.state.h.set(state.h);
    this.state.c.set(state.c);
    this.snapshots = [];
  }

  dispose(): void {
    this.workspaces.clear();
    this.pool?.dispose();
  }
}
