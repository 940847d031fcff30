// Which engine trains a model: the CPU when the run asks for it; WebGPU when
// the run asks for it and the device report offers an adapter, the capacity
// plan lets the GPU hold the model and the GPU engine builds it; else the CPU
// with the reason said. The GPU engine is loaded lazily: a CPU-only session
// never downloads or compiles it.
//
// Auto, when both engines can build the model, measures instead of guessing:
// both are built from the same weights, a few real training steps of the
// model's first window are timed on each (engine/calibration.ts: the CPU
// first, WebGPU preferred on a tie since it leaves the cores to the page),
// both are rolled back, and the faster one trains while the other is
// disposed. A software adapter (SwiftShader) was the slower of the two on
// every shape of the benchmark grid; no real GPU has been measured. The decision is kept
// per adapter and shape (tuningStore.ts), with the GPU autotune's kernel
// choices, so a later build of the same shape, in this visit or the next,
// takes it at once: a kept "CPU" does not even build the GPU engine.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers; Ci / Co a forecast's columns read / predicted.

import type { Backend } from '../engine/backend';
import { calibrate } from '../engine/calibration';
import type { ModelConfig, TrainConfig } from '../engine/config';
import { dropoutSpecOf } from '../engine/dropout';
import type { BatchSource } from '../engine/training/data';
import { optimizerAtStep } from '../engine/training/schedule';
import { createCpuBackend } from '../engine/cpu/create';
import { messageOf } from '../engine/errorMessage';
import type { GpuEngineModule } from '../engine/gpu';
import { CapacityError, type CapacityPlan } from './capacity';
import type { ActiveBackend, DeviceReport, EngineDecision, RunConfig } from './protocol';
import type { TuningStore } from './tuningStore';

const gpuEntries = import.meta.glob<GpuEngineModule>(['../engine/gpu/index.ts']);

/** What Auto needs to measure the two engines on this model. */
export interface AutoCalibration {
  /** Queues one trainStep of the model's first training window with the run's optimizer and dropout. */
  step: (backend: Backend) => void;
  /** Kept decisions and autotune choices (tuningStore.ts). */
  store: TuningStore;
  /** Called just before the engines are timed: the page says so. */
  onMeasuring: () => void;
}

export interface BackendRequest {
  model: ModelConfig;
  /** Arena layout (params.ts). */
  params: Float32Array;
  run: RunConfig;
  plan: CapacityPlan;
  device: Promise<DeviceReport>;
  /** Why the GPU failed earlier in this session, if it did: later models go to the CPU. */
  gpuFailure: string | undefined;
  /** Auto's measurement; without it Auto takes WebGPU whenever it can (the older rule). */
  auto?: AutoCalibration;
}

/** The backend for a model, and what the page shows about it. */
export async function createBackend(
  request: BackendRequest,
): Promise<{ backend: Backend; active: ActiveBackend }> {
  const { model, params, run, plan } = request;
  const options = { batchSize: run.train.batchSize, seqLen: run.train.seqLen };
  if (run.backend === 'cpu') {
    const backend = await createCpuBackend(model, params, options);
    return { backend, active: { kind: 'cpu', device: backend.info.device } };
  }
  const report = await request.device;
  let reason = request.gpuFailure ?? report.reason ?? plan.gpuRefusal;
  if (!reason && plan.gpu && run.backend === 'auto' && plan.cpuFits && request.auto) {
    return autoBackend(request, report, request.auto);
  }
  if (!reason && plan.gpu) {
    try {
      const backend = await buildGpu(request, request.auto?.store);
      return {
        backend,
        active: { kind: 'webgpu', device: report.adapterName ?? backend.info.device },
      };
    } catch (error) {
      reason = gpuBuildFailure(error);
      if (!plan.cpuFits) throw new CapacityError(`${reason}, and it is too large for the CPU`);
    }
  }
  const backend = await createCpuBackend(model, params, options);
  return {
    backend,
    active: { kind: 'cpu', device: backend.info.device, fallbackReason: reason },
  };
}

/** Auto with both engines possible: the kept decision for this adapter and shape, or a measurement. */
async function autoBackend(
  request: BackendRequest,
  report: DeviceReport,
  auto: AutoCalibration,
): Promise<{ backend: Backend; active: ActiveBackend }> {
  const { model, params, run } = request;
  const options = { batchSize: run.train.batchSize, seqLen: run.train.seqLen };
  // Built first whatever happens: cheap, and its threads and kernel are part of the key.
  const cpu = await createCpuBackend(model, params, options);
  const key = decisionKey(report, model, run, cpu.info.device);
  const kept = auto.store.decision(key);
  const cpuActive = (decision: EngineDecision, source: 'measured' | 'cached'): ActiveBackend => ({
    kind: 'cpu',
    device: cpu.info.device,
    auto: { ...decision, source },
  });
  if (kept?.pick === 'cpu') return { backend: cpu, active: cpuActive(kept, 'cached') };

  let gpu: Backend;
  try {
    gpu = await buildGpu(request, auto.store);
  } catch (error) {
    const fallbackReason = gpuBuildFailure(error);
    return { backend: cpu, active: { kind: 'cpu', device: cpu.info.device, fallbackReason } };
  }
  const gpuActive = (decision: EngineDecision, source: 'measured' | 'cached'): ActiveBackend => ({
    kind: 'webgpu',
    device: report.adapterName ?? gpu.info.device,
    auto: { ...decision, source },
  });
  if (kept) {
    cpu.dispose();
    return { backend: gpu, active: gpuActive(kept, 'cached') };
  }

  auto.onMeasuring();
  let result;
  try {
    result = await calibrate(
      [
        { key: 'cpu' as const, backend: cpu },
        { key: 'webgpu' as const, backend: gpu },
      ],
      auto.step,
      // Up to 10 timed steps while each engine's 250 ms last: a short step (a small model's
      // fraction of a millisecond just after the worker started) needs several for a steady
      // median; a long one stops at the budget as before.
      { prefer: ['webgpu', 'cpu'], timedSteps: 10 },
    );
  } catch (error) {
    // A GPU step that fails here would fail in training too: the CPU trains, and says why.
    gpu.dispose();
    const fallbackReason = `WebGPU failed a training step (${messageOf(error)})`;
    return { backend: cpu, active: { kind: 'cpu', device: cpu.info.device, fallbackReason } };
  }
  const ms = Object.fromEntries(result.timings.map((t) => [t.key, t.msPerStep])) as Record<
    'cpu' | 'webgpu',
    number
  >;
  const decision: EngineDecision = {
    pick: result.pick,
    speedup: result.speedup,
    cut: result.timings.some((t) => t.cut),
    ms,
    calibrationMs: result.elapsedMs,
    at: Date.now(),
  };
  auto.store.remember(key, decision);
  const [kept2, other] = result.pick === 'cpu' ? [cpu, gpu] : [gpu, cpu];
  // A cut runner-up may still be running its step: disposed once it is back.
  if (decision.cut) void result.settled.then(() => other.dispose());
  else other.dispose();
  return {
    backend: kept2,
    active:
      result.pick === 'cpu' ? cpuActive(decision, 'measured') : gpuActive(decision, 'measured'),
  };
}

/**
 * The step Auto times: one trainStep of the model's first training window
 * (the batches are put back to their start, so the trainer reads the same
 * window first) with the run's optimizer at that step and its dropout.
 */
export function calibrationStep(
  batches: BatchSource,
  train: TrainConfig,
): (backend: Backend) => void {
  const { batch } = batches.next();
  batches.reset();
  return (backend) =>
    backend.trainStep(
      batch,
      optimizerAtStep(train.optimizer, backend.step + 1),
      false,
      dropoutSpecOf(train.regularization, train.seed),
    );
}

/**
 * What a kept decision is about: the adapter (as the autotune names it) and
 * everything of the shape that moves the two engines' costs, with the CPU
 * engine's threads and kernel (its BackendInfo.device, "CPU, 2 threads, wasm
 * SIMD"). Any change of these measures again.
 */
export function decisionKey(
  report: DeviceReport,
  model: ModelConfig,
  run: RunConfig,
  cpuDevice: string,
): string {
  const adapter = report.adapterKey ?? report.adapterName ?? 'unknown adapter';
  const io =
    (model.task ?? 'lm') === 'forecast'
      ? `Ci${model.seriesInputs ?? 1} Co${model.seriesOutputs ?? 1}`
      : `V${model.vocabSize}`;
  const shape = [
    model.task ?? 'lm',
    model.cell,
    model.direction ?? 'uni',
    `E${model.embedSize} H${model.hiddenSize} L${model.layers} ${io}`,
    `T${run.train.seqLen} B${run.train.batchSize}`,
  ].join(' ');
  return `${adapter} :: ${shape} :: ${cpuDevice}`;
}

/** Whether a kept decision's key is about `adapter`'s choices ("Measure again" forgets them). */
export function isDecisionOf(key: string, report: DeviceReport): boolean {
  const adapter = report.adapterKey ?? report.adapterName ?? 'unknown adapter';
  return key.startsWith(`${adapter} :: `);
}

function gpuBuildFailure(error: unknown): string {
  return `WebGPU could not build this model (${messageOf(error)})`;
}

/** Keeps the autotune's choices across visits when there is a store. */
let importedFrom: TuningStore | null = null;

async function buildGpu(request: BackendRequest, store: TuningStore | undefined): Promise<Backend> {
  const { model, params, run } = request;
  const gpu = await loadGpuModule();
  if (store && importedFrom !== store) {
    gpu.tuningImport(store.autotune);
    importedFrom = store;
  }
  const backend = await gpu.createGpuBackend(navigator.gpu, model, params, {
    batchSize: run.train.batchSize,
    seqLen: run.train.seqLen,
  });
  store?.saveAutotune(gpu.tuningExport());
  return backend;
}

async function loadGpuModule(): Promise<GpuEngineModule> {
  for (const load of Object.values(gpuEntries)) {
    const module = await load();
    if (typeof module.createGpuBackend === 'function') return module;
  }
  throw new Error('the WebGPU engine is not part of this build');
}
