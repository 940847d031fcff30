// Every contender of the benchmark behind one small interface, so the page can
// run them interleaved on identical batches and weights.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary, L layers.

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { Backend, Batch } from '../../src/engine/backend';
import type { ModelConfig, OptimizerConfig } from '../../src/engine/config';
import { CpuBackend } from '../../src/engine/cpu/backend';
import { createCpuBackend } from '../../src/engine/cpu/create';
import { canShareMemory, spawnBrowserGemmWorker } from '../../src/engine/cpu/parallel/browserPool';
import { GemmPool } from '../../src/engine/cpu/parallel/pool';
import { Arena } from '../../src/engine/cpu/wasm/arena';
import { loadGemmKernel } from '../../src/engine/cpu/wasm/compile';
import { gemmScratchBytes, KernelInstance, WasmGemm } from '../../src/engine/cpu/wasm/kernel';
import type { GemmOps } from '../../src/engine/cpu/gemm';
import type { GpuEngineModule } from '../../src/engine/gpu';
import { createTfjsContender, type PreparedBatch } from '../contenders/tfjs';
import { UNSUPPORTED } from '../report';

setWasmPaths('/node_modules/@tensorflow/tfjs-backend-wasm/dist/');

export interface RunnableContender {
  /** Trains on the batches back to back and resolves with the last loss once all are done. */
  train(batches: Batch[]): Promise<number>;
  /** Anything the contender can say about itself: dispatches per step, GPU bytes, notes. */
  stats(): Record<string, number | string>;
  dispose(): void;
  /** gatescope's engines: the Backend itself, for the Auto column's calibrate(). */
  backend?: Backend;
}

export const CONTENDERS = [
  'gatescope-webgpu',
  'gatescope-cpu',
  'tfjs-webgpu',
  'tfjs-webgl',
  'tfjs-wasm',
  'tfjs-cpu',
] as const;
export type ContenderName = (typeof CONTENDERS)[number];

/** gatescope trains with the carried state reset every window, as tf.layers does, so losses compare. */
async function trainBackend(
  backend: Backend,
  batches: Batch[],
  o: OptimizerConfig,
): Promise<number> {
  for (const batch of batches) {
    backend.resetState();
    backend.trainStep(batch, o);
  }
  const target = backend.step;
  let last = NaN;
  // Losses come back asynchronously; wait until the last step's has arrived.
  for (let tries = 0; tries < 10_000; tries++) {
    const losses = await backend.drainLosses();
    if (losses.length > 0) last = losses[losses.length - 1].loss;
    if (losses.at(-1)?.step === target) return last;
  }
  throw new Error('the backend never reported the last step');
}

export async function createContender(
  name: ContenderName,
  model: ModelConfig,
  params: Float32Array,
  o: OptimizerConfig,
  B: number,
  T: number,
): Promise<RunnableContender> {
  if (name === 'gatescope-cpu' || name === 'gatescope-webgpu') {
    let backend: Backend;
    if (name === 'gatescope-cpu') {
      // Built exactly as the app's worker builds it.
      backend = await createCpuBackend(model, params, { batchSize: B, seqLen: T });
    } else {
      if (!navigator.gpu) throw new Error('WebGPU is not available in this browser');
      const gpuModule = await loadGpuEngine();
      try {
        backend = await gpuModule.createGpuBackend(navigator.gpu, model, params, {
          batchSize: B,
          seqLen: T,
        });
      } catch (e) {
        throw await unsupportedOr(e, model);
      }
    }
    return {
      backend,
      train: (batches) => trainBackend(backend, batches, o),
      stats: () => ({
        device: backend.info.device,
        ...(backend instanceof CpuBackend ? { threads: backend.threads } : {}),
        ...readStats(backend),
      }),
      dispose: () => backend.dispose(),
    };
  }
  const tfBackend = name.slice('tfjs-'.length);
  if (!(await tf.setBackend(tfBackend)))
    throw new Error(`tfjs backend ${tfBackend} did not initialise`);
  await tf.ready();
  // wasm lacks UnsortedSegmentSum (the embedding gradient): feed one-hot inputs to a Dense there.
  const oneHot = tfBackend === 'wasm';
  const contender = createTfjsContender(tf, model, params, o, T, oneHot);
  const prepared = new Map<Batch, PreparedBatch>();
  return {
    async train(batches) {
      // Contenders are interleaved and tfjs has one global backend: take ours back first.
      await tf.setBackend(tfBackend);
      for (const b of batches) if (!prepared.has(b)) prepared.set(b, contender.prepare(b));
      return contender.trainSteps(batches.map((b) => prepared.get(b)!));
    },
    stats: () => ({
      device: tfBackend,
      ...(oneHot ? { note: 'one-hot inputs (no UnsortedSegmentSum kernel on wasm)' } : {}),
      ...(model.cell === 'gru'
        ? { layer: 'tf.layers.rnn(PytorchGruCell): tf.layers.gru has no resetAfter' }
        : {}),
    }),
    dispose() {
      for (const p of prepared.values()) {
        p.inputs.dispose();
        p.targets.dispose();
      }
      contender.dispose();
    },
  };
}

/**
 * The engine refuses a cell it has no kernels for with GpuUnavailableError,
 * the same error as a missing adapter; with an adapter present, that refusal
 * is "unsupported" (reported apart, not as a failure). As soon as
 * createGpuBackend accepts the cell, the contender runs like the LSTM's.
 */
async function unsupportedOr(e: unknown, model: ModelConfig): Promise<unknown> {
  if (!(e instanceof Error) || e.name !== 'GpuUnavailableError' || model.cell === 'lstm') return e;
  const adapter = await navigator.gpu.requestAdapter();
  return adapter ? new Error(UNSUPPORTED + e.message) : e;
}

/** The GPU engine, loaded only when a WebGPU contender runs. */
async function loadGpuEngine(): Promise<GpuEngineModule> {
  const found = import.meta.glob<GpuEngineModule>('../../src/engine/gpu/index.ts');
  const load = Object.values(found)[0];
  if (!load) throw new Error('the GPU engine is not built yet');
  return load();
}

/** Optional counters a backend may expose (the GPU engine does: dispatches, gpuBytes, kernels). */
function readStats(backend: Backend): Record<string, number | string> {
  const maybe = backend as Backend & { stats?: () => Record<string, number | string> };
  return typeof maybe.stats === 'function' ? maybe.stats() : {};
}

/**
 * Best GEMM GFLOP/s of gatescope's own kernels (every variant the autotune
 * may pick) at n×n×n on this browser's adapter: its side of the GPU roofline.
 */
export async function gatescopeGemmGflops(n: number): Promise<number> {
  if (!navigator.gpu) return NaN;
  const engine = await loadGpuEngine();
  return (await engine.measureGemmRoofline(navigator.gpu, { M: n, N: n, K: n }, { runs: 2 }))
    .gflops;
}

/** Best f32 matMul GFLOP/s tfjs reaches on its current backend at n×n×n: its side of the roofline. */
export async function tfjsMatMulGflops(n: number, reps: number): Promise<number> {
  const a = tf.randomUniform([n, n]);
  const b = tf.randomUniform([n, n]);
  const warm = tf.matMul(a, b); // warm-up and shader compile
  await warm.data();
  warm.dispose();
  let best = 0;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    await c.data();
    const seconds = (performance.now() - t0) / 1000;
    c.dispose();
    best = Math.max(best, (2 * n * n * n) / seconds / 1e9);
  }
  a.dispose();
  b.dispose();
  return best;
}

/**
 * Best GEMM GFLOP/s of gatescope's own wasm kernel at n×n×n on `threads`
 * threads in all (the calling one and threads − 1 GEMM workers, over shared
 * memory, exactly as the CPU engine splits its products: parallel/pool.ts):
 * its side of the CPU roofline. Operands live in the kernel's memory, as the
 * engine's do, so nothing is copied. NaN where the kernel does not compile.
 */
export async function gatescopeWasmGemmGflops(
  n: number,
  threads: number,
  reps: number,
): Promise<number> {
  const kernel = await loadGemmKernel();
  if (!kernel) return NaN;
  const workers = canShareMemory() ? Math.max(0, threads - 1) : 0;
  const scratchBytes = gemmScratchBytes(n);
  const arena = new Arena(3 * n * n * 4 + (workers + 1) * (scratchBytes + 16), workers > 0);
  let pool: GemmPool | null = null;
  let gemm: GemmOps;
  if (workers > 0) {
    pool = new GemmPool(arena, workers, spawnBrowserGemmWorker, kernel, scratchBytes);
    if (!(await pool.ready())) throw new Error(pool.error ?? 'GEMM workers did not start');
    gemm = pool;
  } else {
    const scratch = arena.allocateBytes(scratchBytes);
    gemm = new WasmGemm(
      kernel,
      new KernelInstance(kernel.private, arena.memory, scratch, scratchBytes),
    );
  }
  try {
    const [a, b, c] = [arena.allocate(n * n), arena.allocate(n * n), arena.allocate(n * n)];
    for (let i = 0; i < n * n; i++) {
      a[i] = Math.random();
      b[i] = Math.random();
    }
    gemm.nn(c, a, b, n, n, n); // warm-up: first call packs and JITs
    let best = 0;
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      gemm.nn(c, a, b, n, n, n);
      best = Math.max(best, (2 * n * n * n) / ((performance.now() - t0) / 1000) / 1e9);
    }
    return best;
  } finally {
    pool?.dispose();
  }
}
