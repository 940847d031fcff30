// The WebGPU training engine: the Backend interface over the kernels in
// shaders/. One training step — forward, loss, BPTT, clipping, Adam — is one
// pre-built Program encoded into one command encoder and submitted once;
// nothing is read back inside the loop (losses, gradient norms and the
// optimizer's weights-finite flag come back in batches through LossReadback).
// Snapshots for rollback after divergence are device-side buffer copies in
// the step's own encoder (no extra dispatch, no readback). The carried (h, c)
// lives on the GPU; evaluation, sampling and probing use their own state and
// queue behind training without stalling it.
// At build, before any program is recorded, a short autotune (autotune.ts)
// picks the GEMM kernels per product shape and the recurrent kernels
// (per-timestep or persistent) for this adapter.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers; N = T·B; P floats in the parameter arena. Batches are time-major.

import type {
  Backend,
  BackendInfo,
  Batch,
  GradientSource,
  PredictStream,
  ProbeInput,
  ProbeResult,
  SampleOptions,
  Sampler,
  StepLoss,
  WindowGradients,
  GradientFlow,
} from '../backend';
import { checkBatch } from '../batchCheck';
import { CELLS } from '../cells';
import type { DropoutMode, ModelConfig, OptimizerConfig } from '../config';
import type { DropoutSpec } from '../dropout';
import { headColumns, paramLayout, repackParams, type ParamLayout } from '../params';
import { directionCount, outputSize, readsTokens, taskOf } from '../task';
import {
  deviceParamLayout,
  GpuArena,
  LOSS_LOG_SLOTS,
  windowPositions,
  type SnapshotBuffers,
} from './arena';
import { autotune, trainingGemms, type AutotuneOptions, type TuneReport } from './autotune';
import { GpuDeviceLostError } from './device';
import { flowOffset, groupNorms } from './flow';
import { gemmShapeKey, type GemmVariant } from './gemm';
import { KernelLibrary } from './kernels';
import { adamHyperparameters } from './adamStep';
import { dropoutModeOf, dropoutStepUniforms } from './dropoutStep';
import type { PassContext } from './passes';
import {
  initialRecurrentMode,
  KernelPlan,
  type RecurrentMode,
  type RecurrentVariant,
} from './plan';
import { probeLength, probeWindows } from './probe';
import type { Program } from './program';
import { ProgramCache, type Job } from './programs';
import { LossReadback } from './readback';
import { GpuResources, type ObjectCounts } from './resources';
import { GpuSampler } from './sampler';
import { StagingPool } from './staging';
import type { AdamMoments, RecurrentState } from '../state';

export interface GpuBackendOptions {
  /** B the training step is built for (validation may use fewer streams). */
  batchSize: number;
  /** Largest T of a window. */
  seqLen: number;
  /** GEMM kernels: 'auto' (default) autotunes per product shape; see gemm.ts for the fixed ones. */
  gemm?: GemmVariant;
  /**
   * Recurrent kernels: 'auto' (default) runs the persistent ones (one
   * dispatch per layer and direction) where they fit and measure no slower;
   * 'step' forces one dispatch per timestep, 'persistent' the persistent ones.
   */
  recurrent?: RecurrentVariant;
  /** The autotune's budget and thresholds, or false for none (fixed defaults). */
  autotune?: AutotuneOptions | false;
  /** Read losses back every this many steps (default 8). */
  readbackEvery?: number;
}

/** Longest probe window per submit (B = 1); longer texts are probed in chunks. */
const PROBE_CHUNK = 256;

export class GpuBackend implements Backend, GradientSource {
  readonly info: BackendInfo;
  /** The arena callers see (params.ts); the GPU holds deviceLayout and repacks. */
  readonly layout: ParamLayout;
  private readonly deviceLayout: ParamLayout;
  private readonly resources: GpuResources;
  private readonly ctx: PassContext;
  private readonly arena: GpuArena;
  private readonly readback: LossReadback;
  private readonly staging: StagingPool;
  private readonly programs: ProgramCache;
  private readonly samplers = new Set<GpuSampler>();
  private stepCount = 0;
  /** Which step each snapshot slot (arena.snapshots[k]) holds; -1 = empty. */
  private slotSteps = [-1, -1];
  /** The step whose parameters arena.bestParams holds (keepBest); null: none. */
  private best: number | null = null;
  /** Losses drained before setParams reset the count, handed out by the next drainLosses. */
  private carriedLosses: StepLoss[] = [];
  private lostMessage: string | null = null;
  private firstError: string | null = null;
  private disposed = false;
  /** Bumped by every job that resets arena.evalState; a prediction stream holds its own. */
  private evalGeneration = 0;
  private tuneReport: TuneReport | null = null;
  private readonly onUncapturedError = (event: Event) => {
    this.firstError ??= (event as GPUUncapturedErrorEvent).error.message;
  };

  constructor(
    readonly device: GPUDevice,
    deviceDescription: string,
    private readonly ownsDevice: boolean,
    readonly model: ModelConfig,
    params: Float32Array,
    private readonly options: GpuBackendOptions,
  ) {
    this.info = { kind: 'webgpu', device: deviceDescription };
    this.layout = paramLayout(model);
    this.deviceLayout = deviceParamLayout(model);
    if (params.length !== this.layout.total) {
      throw new Error(
        `parameter arena has ${params.length} floats, the model needs ${this.layout.total}`,
      );
    }
    // Before anything is allocated: a forced persistent plan that cannot fit throws here.
    const plan = new KernelPlan(options.gemm ?? 'auto', {
      forward: initialRecurrentMode(
        options.recurrent,
        model.hiddenSize,
        device,
        'forward',
        model.cell,
      ),
      backward: initialRecurrentMode(
        options.recurrent,
        model.hiddenSize,
        device,
        'backward',
        model.cell,
      ),
    });
    this.resources = new GpuResources(device);
    const kernels = new KernelLibrary(this.resources);
    this.arena = new GpuArena(
      this.resources,
      model,
      this.deviceLayout,
      options.seqLen,
      options.batchSize,
    );
    this.ctx = {
      kernels,
      arena: this.arena,
      model,
      layout: this.deviceLayout,
      plan,
    };
    this.readback = new LossReadback(
      this.resources,
      this.arena.lossLog,
      options.readbackEvery ?? 8,
    );
    this.staging = new StagingPool(this.resources);
    this.programs = new ProgramCache(this.ctx);
    device.queue.writeBuffer(this.arena.params, 0, this.toDevice(params));
    void device.lost.then((info) => {
      if (this.disposed) return;
      // Every later call throws GpuDeviceLostError with this message: the worker falls back to the CPU.
      this.lostMessage = `the GPU device was lost (${info.reason}): ${info.message || 'no details'}`;
    });
    device.addEventListener?.('uncapturederror', this.onUncapturedError);
  }

  /**
   * Autotunes the kernel plan for this adapter (unless switched off) and
   * builds the training program up front: pipeline compilation is slow on
   * some adapters. createGpuBackend calls it once, before handing the backend out.
   */
  async prepare(adapter: string): Promise<void> {
    const tuneGemm = this.ctx.plan.gemmVariant === 'auto';
    const tuneRecurrent = (this.options.recurrent ?? 'auto') === 'auto';
    if (this.options.autotune !== false && (tuneGemm || tuneRecurrent)) {
      this.tuneReport = await autotune(
        this.ctx,
        { T: this.options.seqLen, B: this.options.batchSize },
        adapter,
        tuneRecurrent,
        this.options.autotune ?? {},
      );
    }
    this.program('train', this.options.seqLen, this.options.batchSize);
  }

  /** What the autotune measured and chose (null when it did not run). */
  get autotuneReport(): TuneReport | null {
    return this.tuneReport;
  }

  /** The kernels the training step runs: recurrent modes and the GEMM choice per product shape. */
  kernelChoices(): {
    recurrent: { forward: RecurrentMode; backward: RecurrentMode };
    gemm: Record<string, string>;
  } {
    const plan = this.ctx.plan;
    const gemm: Record<string, string> = {};
    for (const args of trainingGemms(this.ctx, {
      T: this.options.seqLen,
      B: this.options.batchSize,
    })) {
      gemm[gemmShapeKey(args)] = plan.gemm(args);
    }
    return { recurrent: { ...plan.recurrent }, gemm };
  }

  get step(): number {
    return this.stepCount;
  }

  /** GPU objects created so far, by kind: flat across training steps. */
  objectCounts(): ObjectCounts {
    return this.resources.snapshot();
  }

  /**
   * Counters for the benchmark and the app's diagnostics panel: dispatches
   * per training step, GPU objects, GPU memory held (bytes of live buffers),
   * the recurrent mode and each GEMM shape's kernel, and the autotune's cost.
   */
  stats(): Record<string, number | string> {
    const counts = this.objectCounts();
    const choices = this.kernelChoices();
    const out: Record<string, number | string> = {
      dispatchesPerStep: this.dispatchesPerStep(),
      gpuBytes: this.resources.bytes,
      buffers: counts.buffers,
      bindGroups: counts.bindGroups,
      pipelines: counts.pipelines,
      recurrent: `${choices.recurrent.forward}/${choices.recurrent.backward}`,
    };
    for (const [key, choice] of Object.entries(choices.gemm)) out[`gemm ${key}`] = choice;
    if (this.tuneReport) {
      out.autotuneMs = Math.round(this.tuneReport.wallMs);
      out.autotuneTiming = this.tuneReport.method;
    }
    return out;
  }

  /**
   * Compute dispatches of one training step with window T (default: the
   * configured T), without dropout or with it in `dropout` mode.
   */
  dispatchesPerStep(T = this.options.seqLen, dropout: DropoutMode | null = null): number {
    return this.program('train', T, this.options.batchSize, dropout).dispatchCount;
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error('the GPU backend was disposed');
    if (this.lostMessage) throw new GpuDeviceLostError(this.lostMessage);
  }

  private program(job: Job, T: number, B: number, dropout: DropoutMode | null = null): Program {
    return this.programs.get(job, T, B, dropout);
  }

  /**
   * Writes the masks' keys of step `step` for the next submit. Queue-ordered
   * like `hyper`: every step in flight reads the values written before it.
   */
  private writeDropout(dropout: DropoutSpec | undefined, step: number): void {
    if (!dropout) return;
    const data = dropoutStepUniforms(dropout, step, this.model.layers);
    this.device.queue.writeBuffer(this.arena.dropoutStep, 0, data);
  }

  private checkWindow(batch: Batch, training: boolean): void {
    checkBatch(
      batch,
      { ...this.options, vocabSize: this.model.vocabSize, model: this.model },
      training,
    );
  }

  private writeWindow(batch: Batch): void {
    const queue = this.device.queue;
    if (readsTokens(this.model)) {
      queue.writeBuffer(this.arena.inputs, 0, batch.inputs);
      queue.writeBuffer(this.arena.targets, 0, batch.targets);
      return;
    }
    // checkBatch has seen both (a forecast's batches carry values, not tokens).
    queue.writeBuffer(this.arena.values, 0, batch.values!);
    queue.writeBuffer(this.arena.targetValues, 0, batch.targetValues!);
  }

  private submit(program: Program): void {
    const encoder = this.device.createCommandEncoder({ label: program.label });
    program.encode(encoder);
    this.device.queue.submit([encoder.finish()]);
  }

  trainStep(
    batch: Batch,
    optimizer: OptimizerConfig,
    snapshotAfter = false,
    dropout?: DropoutSpec,
  ): void {
    this.checkAlive();
    this.checkWindow(batch, true);
    const mode = dropoutModeOf(dropout);
    const program = this.program('train', batch.seqLen, batch.batchSize, mode);
    const step = this.stepCount + 1;
    this.readback.ensureRoom(step);
    this.writeWindow(batch);
    this.writeDropout(dropout, step);
    const slot = (step - 1) % LOSS_LOG_SLOTS;
    this.device.queue.writeBuffer(this.arena.hyper, 0, adamHyperparameters(optimizer, step, slot));
    const encoder = this.device.createCommandEncoder({ label: program.label });
    program.encode(encoder);
    if (snapshotAfter) this.encodeSnapshot(encoder, step);
    const afterSubmit = this.readback.maybeCopy(encoder, step);
    this.device.queue.submit([encoder.finish()]);
    afterSubmit?.();
    this.stepCount = step;
  }

  keepBest(): number {
    this.checkAlive();
    const encoder = this.device.createCommandEncoder({ label: 'keep best weights' });
    const { params, bestParams } = this.arena;
    encoder.copyBufferToBuffer(params, 0, bestParams, 0, params.size);
    this.device.queue.submit([encoder.finish()]);
    this.best = this.stepCount;
    return this.stepCount;
  }

  get bestStep(): number | null {
    return this.best;
  }

  async restoreBest(): Promise<void> {
    this.checkAlive();
    if (this.best === null) throw new Error('no best weights to restore');
    const encoder = this.device.createCommandEncoder({ label: 'restore best weights' });
    const { params, bestParams } = this.arena;
    encoder.copyBufferToBuffer(bestParams, 0, params, 0, params.size);
    this.device.queue.submit([encoder.finish()]);
  }

  async getBestParams(): Promise<Float32Array | null> {
    this.checkAlive();
    if (this.best === null) return null;
    return this.toHost(await this.readFloats(this.arena.bestParams, this.deviceLayout.total));
  }

  async setBestParams(params: Float32Array | null, step = this.stepCount): Promise<void> {
    this.checkAlive();
    if (params && params.length !== this.layout.total) {
      throw new Error('best weights do not match the parameter arena');
    }
    if (params) this.device.queue.writeBuffer(this.arena.bestParams, 0, this.toDevice(params));
    this.best = params ? step : null;
  }

  get snapshotSteps(): readonly number[] {
    return this.slotSteps.filter((s) => s >= 0).sort((a, b) => a - b);
  }

  snapshot(): number {
    this.checkAlive();
    const encoder = this.device.createCommandEncoder({ label: 'snapshot' });
    this.encodeSnapshot(encoder, this.stepCount);
    this.device.queue.submit([encoder.finish()]);
    return this.stepCount;
  }

  /** Copies the training state into the older slot (the empty one first). */
  private encodeSnapshot(encoder: GPUCommandEncoder, step: number): void {
    const [a, b] = this.slotSteps;
    const k = a <= b ? 0 : 1;
    this.copyState(encoder, 'to', this.arena.snapshots[k]);
    this.slotSteps[k] = step;
  }

  private copyState(encoder: GPUCommandEncoder, way: 'to' | 'from', slot: SnapshotBuffers): void {
    const pairs: [GPUBuffer, GPUBuffer][] = [
      [this.arena.params, slot.params],
      [this.arena.m, slot.m],
      [this.arena.v, slot.v],
      [this.arena.trainState.h, slot.h],
      [this.arena.trainState.c, slot.c],
    ];
    for (const [live, copy] of pairs) {
      if (way === 'to') encoder.copyBufferToBuffer(live, 0, copy, 0, live.size);
      else encoder.copyBufferToBuffer(copy, 0, live, 0, live.size);
    }
  }

  async rollback(step: number): Promise<void> {
    this.checkAlive();
    const k = this.slotSteps.indexOf(step);
    if (k < 0) throw new Error(`no snapshot of step ${step} to roll back to`);
    try {
      // Copies in flight land first; losses of the abandoned steps are dropped.
      const kept = await this.readback.reset(step);
      this.carriedLosses = [...this.carriedLosses.filter((l) => l.step <= step), ...kept];
    } catch (error) {
      throw this.explain(error);
    }
    const encoder = this.device.createCommandEncoder({ label: 'rollback' });
    this.copyState(encoder, 'from', this.arena.snapshots[k]);
    // The abandoned steps left flags (atomicMax of their step numbers) that the
    // replayed steps, with the same numbers, would otherwise read as their own.
    encoder.clearBuffer(this.arena.lossLog);
    this.device.queue.submit([encoder.finish()]);
    this.stepCount = step;
    this.slotSteps = this.slotSteps.map((s) => (s > step ? -1 : s));
  }

  /** Starts copying out the losses of every step queued so far, without waiting. */
  flushLosses(): void {
    this.checkAlive();
    this.copyLosses();
  }

  async drainLosses(through = this.stepCount): Promise<StepLoss[]> {
    this.checkAlive();
    const out = this.carriedLosses.splice(0);
    const upTo = Math.min(through, this.stepCount);
    try {
      for (;;) {
        // Only a copy encoded after step `upTo` can bring its loss back; one of every
        // step in flight is the price of asking for a step no copy covers yet.
        const copied = this.readback.copiedThrough >= upTo || this.copyLosses();
        out.push(...(await this.readback.drain(upTo)));
        // No staging buffer was free: the drain freed them all, so the next copy finds one.
        if (copied) break;
      }
    } catch (error) {
      throw this.explain(error);
    }
    if (this.firstError) throw new Error(`WebGPU error: ${this.firstError}`);
    return out;
  }

  /** Copies the slots no copy covers yet into a free staging buffer; false when none was free. */
  private copyLosses(): boolean {
    if (this.readback.copiedThrough === this.stepCount) return true;
    const encoder = this.device.createCommandEncoder({ label: 'loss readback' });
    const afterSubmit = this.readback.maybeCopy(encoder, this.stepCount, true);
    this.device.queue.submit([encoder.finish()]);
    afterSubmit?.();
    return afterSubmit !== null;
  }

  /** A rejected map or copy after device loss says so, rather than something cryptic. */
  private explain(error: unknown): Error {
    if (this.lostMessage) return new GpuDeviceLostError(this.lostMessage);
    return error instanceof Error ? error : new Error(String(error));
  }

  resetState(): void {
    this.checkAlive();
    const encoder = this.device.createCommandEncoder({ label: 'reset state' });
    encoder.clearBuffer(this.arena.trainState.h);
    encoder.clearBuffer(this.arena.trainState.c);
    this.device.queue.submit([encoder.finish()]);
  }

  private async readFloats(
    buffer: GPUBuffer,
    floats: number,
    offsetFloats = 0,
  ): Promise<Float32Array> {
    try {
      const [bytes] = await this.staging.read(this.device, [
        { buffer, offset: offsetFloats * 4, bytes: floats * 4 },
      ]);
      return new Float32Array(bytes);
    } catch (error) {
      throw this.explain(error);
    }
  }

  /** Validation windows: each fits the backend, all of one B (the evaluation state's). */
  private checkValidation(batches: Batch[]): void {
    const B = batches[0].batchSize;
    for (const batch of batches) {
      this.checkWindow(batch, false);
      if (batch.batchSize !== B) throw new Error('validation windows must share one batch size');
    }
  }

  async predict(batches: Batch[]): Promise<Float32Array[]> {
    this.checkAlive();
    if (batches.length === 0) return [];
    this.checkValidation(batches);
    const stream = this.predictStream();
    // Each window's program and copy-out are submitted as `next` is called; the maps are
    // awaited together.
    return Promise.all(batches.map((batch) => stream.next(batch)));
  }

  predictStream(): PredictStream {
    this.checkAlive();
    // The stream carries (h, c) in arena.evalState between its windows, which predict,
    // evaluate and a newer stream clear: each takes a new generation, and a stream whose
    // generation has passed refuses rather than read another job's state.
    const generation = ++this.evalGeneration;
    this.clearEvalState('predict: zero state');
    const O = outputSize(this.model);
    const Os = headColumns(this.deviceLayout);
    let B = 0;
    return {
      next: (batch) => {
        this.checkAlive();
        if (generation !== this.evalGeneration) {
          return Promise.reject(
            new Error('this prediction stream was ended by a later evaluation'),
          );
        }
        this.checkWindow(batch, false);
        B ||= batch.batchSize;
        if (batch.batchSize !== B) {
          return Promise.reject(new Error('prediction windows must share one batch size'));
        }
        // Submitted now, in call order; only the read-back is awaited.
        const rows = batch.seqLen * B;
        this.writeWindow(batch);
        this.submit(this.program('predict', batch.seqLen, B));
        return this.readFloats(this.arena.logits, rows * Os).then((padded) => {
          const out = new Float32Array(rows * O); // (T, B, O)
          for (let n = 0; n < rows; n++) out.set(padded.subarray(n * Os, n * Os + O), n * O);
          return out;
        });
      },
    };
  }

  /** Zeroes the evaluation state (h, c) that evaluate, predict and a stream carry between windows. */
  private clearEvalState(label: string): void {
    const encoder = this.device.createCommandEncoder({ label });
    encoder.clearBuffer(this.arena.evalState.h);
    encoder.clearBuffer(this.arena.evalState.c);
    this.device.queue.submit([encoder.finish()]);
  }

  async evaluate(batches: Batch[]): Promise<number> {
    this.checkAlive();
    if (batches.length === 0) return NaN;
    const B = batches[0].batchSize;
    this.checkValidation(batches);
    this.evalGeneration++; // ends any prediction stream: its state is cleared here
    const encoder = this.device.createCommandEncoder({ label: 'evaluate: zero state' });
    encoder.clearBuffer(this.arena.evalState.h);
    encoder.clearBuffer(this.arena.evalState.c);
    encoder.clearBuffer(this.arena.lossAccumulator);
    this.device.queue.submit([encoder.finish()]);
    let count = 0;
    for (const batch of batches) {
      this.writeWindow(batch);
      this.submit(this.program('eval', batch.seqLen, B));
      count += batch.seqLen * B;
    }
    const [sum] = await this.readFloats(this.arena.lossAccumulator, 1);
    return sum / count;
  }

  async gradients(batch: Batch, dropout?: DropoutSpec): Promise<WindowGradients> {
    this.checkAlive();
    this.checkWindow(batch, true);
    const mode = dropoutModeOf(dropout);
    const program = this.program('gradients', batch.seqLen, batch.batchSize, mode);
    this.writeWindow(batch);
    // The masks the next training step would draw.
    this.writeDropout(dropout, this.stepCount + 1);
    this.submit(program);
    try {
      const [sum, grads] = await this.staging.read(this.device, [
        { buffer: this.arena.lossAccumulator, offset: 0, bytes: 4 },
        { buffer: this.arena.grads, offset: 0, bytes: this.deviceLayout.total * 4 },
      ]);
      return {
        loss: new Float32Array(sum)[0] / (batch.seqLen * batch.batchSize),
        grads: this.toHost(new Float32Array(grads)),
      };
    } catch (error) {
      throw this.explain(error);
    }
  }

  createSampler(options: SampleOptions): Sampler {
    this.checkAlive();
    // As the CPU reference: a tagger's or a forecaster's head does not predict characters.
    if (taskOf(this.model) !== 'lm') throw new Error('only a language model generates text');
    const sampler: GpuSampler = new GpuSampler(this.ctx, this.staging, options, {
      checkAlive: () => this.checkAlive(),
      onDispose: () => this.samplers.delete(sampler),
    });
    this.samplers.add(sampler);
    return sampler;
  }

  async probe(input: ProbeInput): Promise<ProbeResult> {
    this.checkAlive();
    this.evalGeneration++; // the probe zeroes and carries evalState: any prediction stream ends
    const length = probeLength(this.model, input);
    const { seqLen, batchSize } = this.options;
    const capacity = windowPositions(this.model, seqLen, batchSize);
    // A reverse direction reads the whole text backwards from its end: one window, no chunks
    // (the arena holds MAX_PROBE_CHARS positions at least, arena.ts).
    const chunk = directionCount(this.model) === 2 ? capacity : Math.min(PROBE_CHUNK, capacity);
    if (directionCount(this.model) === 2 && length > capacity) {
      throw new Error(
        `a bidirectional probe reads its text in one window: ${length} characters, this backend takes ${capacity}`,
      );
    }
    try {
      return await probeWindows(
        {
          device: this.device,
          arena: this.arena,
          model: this.model,
          staging: this.staging,
          logitsStride: headColumns(this.deviceLayout),
          run: (T) => this.submit(this.program('probe', T, 1)),
        },
        input,
        chunk,
      );
    } catch (error) {
      throw this.explain(error);
    }
  }

  async gradientFlow(batch: Batch): Promise<GradientFlow> {
    this.checkAlive();
    if (directionCount(this.model) === 2) {
      throw new Error(
        'gradient flow traces one last position back through time: left-to-right models only',
      );
    }
    // Like evaluate: any window up to the training one (the trainer's probe takes few streams).
    this.checkWindow(batch, false);
    const { seqLen: T, batchSize: B } = batch;
    const L = this.model.layers;
    this.writeWindow(batch);
    this.submit(this.program('flow', T, B));
    try {
      const [flow, grads] = await this.staging.read(this.device, [
        { buffer: this.arena.flow, offset: 0, bytes: 2 * L * T * 4 },
        { buffer: this.arena.grads, offset: 0, bytes: this.deviceLayout.total * 4 },
      ]);
      const norms = new Float32Array(flow);
      const perLayer = (base: number) =>
        Array.from({ length: L }, (_, l) =>
          norms.slice(flowOffset(base + l, T), flowOffset(base + l, T) + T),
        );
      return {
        h: perLayer(0),
        c: CELLS[this.model.cell].carriesCell ? perLayer(L) : null,
        groupNorms: groupNorms(this.layout, this.toHost(new Float32Array(grads))),
      };
    } catch (error) {
      throw this.explain(error);
    }
  }

  async getParams(): Promise<Float32Array> {
    this.checkAlive();
    return this.toHost(await this.readFloats(this.arena.params, this.deviceLayout.total));
  }

  async setParams(params: Float32Array, moments?: AdamMoments): Promise<void> {
    this.checkAlive();
    const P = this.layout.total;
    if (params.length !== P) throw new Error('parameter arena size does not match the model');
    if (moments && (moments.m.length !== P || moments.v.length !== P)) {
      throw new Error('optimizer moments do not match the parameter arena');
    }
    // Losses of steps already taken still belong to the caller.
    this.carriedLosses.push(...(await this.drainLosses()));
    const queue = this.device.queue;
    queue.writeBuffer(this.arena.params, 0, this.toDevice(params));
    if (moments) {
      queue.writeBuffer(this.arena.m, 0, this.toDevice(moments.m));
      queue.writeBuffer(this.arena.v, 0, this.toDevice(moments.v));
    } else {
      const encoder = this.device.createCommandEncoder({ label: 'reset moments' });
      encoder.clearBuffer(this.arena.m);
      encoder.clearBuffer(this.arena.v);
      queue.submit([encoder.finish()]);
    }
    this.stepCount = moments?.step ?? 0;
    await this.readback.reset(this.stepCount);
    // Flags of earlier steps would read as the new ones' (see rollback); snapshots are stale.
    const encoder = this.device.createCommandEncoder({ label: 'clear loss log' });
    encoder.clearBuffer(this.arena.lossLog);
    queue.submit([encoder.finish()]);
    this.slotSteps = [-1, -1];
    this.best = null;
  }

  async getOptimizerState(): Promise<AdamMoments> {
    this.checkAlive();
    const step = this.stepCount;
    const P = this.deviceLayout.total;
    const [m, v] = await this.staging.read(this.device, [
      { buffer: this.arena.m, offset: 0, bytes: P * 4 },
      { buffer: this.arena.v, offset: 0, bytes: P * 4 },
    ]);
    return { m: this.toHost(new Float32Array(m)), v: this.toHost(new Float32Array(v)), step };
  }

  /** An arena of the caller's layout as the GPU holds it (head rows padded). */
  private toDevice(arena: Float32Array): Float32Array {
    return repackParams(arena, this.layout, this.deviceLayout);
  }

  private toHost(arena: Float32Array): Float32Array {
    return repackParams(arena, this.deviceLayout, this.layout);
  }

  private get stateFloats(): number {
    return this.model.layers * this.options.batchSize * this.model.hiddenSize;
  }

  async getState(): Promise<RecurrentState> {
    this.checkAlive();
    const bytes = this.stateFloats * 4;
    const [h, c] = await this.staging.read(this.device, [
      { buffer: this.arena.trainState.h, offset: 0, bytes },
      { buffer: this.arena.trainState.c, offset: 0, bytes },
    ]);
    return { h: new Float32Array(h), c: new Float32Array(c) };
  }

  async setState(state: RecurrentState): Promise<void> {
    this.checkAlive();
    if (state.h.length !== this.stateFloats || state.c.length !== this.stateFloats) {
      throw new Error('saved (h, c) does not match L·B·H of this model');
    }
    this.device.queue.writeBuffer(this.arena.trainState.h, 0, state.h);
    this.device.queue.writeBuffer(this.arena.trainState.c, 0, state.c);
    this.slotSteps = [-1, -1];
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    // Devices outlive backends when the caller owns them: leave no listener behind.
    this.device.removeEventListener?.('uncapturederror', this.onUncapturedError);
    for (const sampler of [...this.samplers]) sampler.dispose();
    this.resources.destroyAll();
    if (this.ownsDevice) this.device.destroy();
  }
}
