// The one place that decides how the CPU engine runs in a browser: on its own
// thread, or with GEMM workers over shared memory when the page is
// cross-origin isolated. The app's worker and the benchmark both build their
// CPU backend here, so they always measure and run the same thing.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers.

import type { ModelConfig } from '../config';
import { CpuBackend } from './backend';
import { canShareMemory, defaultGemmThreads, spawnBrowserGemmWorker } from './parallel/browserPool';
import type { SpawnGemmWorker } from './parallel/pool';
import { loadGemmKernel } from './wasm/compile';

export interface CpuBackendShape {
  batchSize: number;
  seqLen: number;
}

export interface CpuThreadOptions {
  /** Extra GEMM threads; default: defaultGemmThreads() (0 without cross-origin isolation). */
  threads?: number;
  /** How to start a worker; default: a module Web Worker running parallel/gemmWorker.ts. */
  spawn?: SpawnGemmWorker;
  /** How long the workers may take to start before the engine runs serially instead. */
  startTimeoutMs?: number;
}

/**
 * A CPU backend for this model, with as many GEMM threads as help here. When
 * the workers cannot start (no shared memory, a script that fails to load, a
 * timeout) it resolves with the single-threaded engine, whose results are the
 * same bit for bit, and says why on the console.
 */
export async function createCpuBackend(
  model: ModelConfig,
  params: Float32Array,
  shape: CpuBackendShape,
  options: CpuThreadOptions = {},
): Promise<CpuBackend> {
  // Every backend built here runs the wasm kernel where it compiles (see wasm/compile.ts).
  await loadGemmKernel();
  const serial = { batchSize: shape.batchSize, seqLen: shape.seqLen };
  const threads = options.spawn || canShareMemory() ? (options.threads ?? defaultGemmThreads()) : 0;
  if (threads <= 0) return new CpuBackend(model, params, serial);
  const spawn = options.spawn ?? spawnBrowserGemmWorker;
  let pooled: CpuBackend | null = null;
  try {
    pooled = new CpuBackend(model, params, { ...serial, parallel: { threads, spawn } });
    // Awaited, never blocked on: the workers start only while this thread is idle.
    if (await pooled.threadsReady(options.startTimeoutMs)) return pooled;
    console.warn(`gatescope: CPU engine on one thread: ${pooled.threadsError}`);
  } catch (error) {
    console.warn(`gatescope: CPU engine on one thread: ${String(error)}`);
  }
  pooled?.dispose();
  return new CpuBackend(model, params, serial);
}
