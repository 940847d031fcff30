// The one place that decides how the CPU engine runs in a browser: on its own
// thread, or with GEMM workers over shared memory when the page is
// cross-origin isolated. The app's worker and the benchmark both build their
// CPU backend here, so they always measure and run the same thing.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers.

import type { ModelConfig } from '../config';
import { CpuBackend } from './backend';

export interface CpuBackendShape {
  batchSize: number;
  seqLen: number;
}

/** A CPU backend for this model, with as many GEMM threads as help here. */
export async function createCpuBackend(
  model: ModelConfig,
  params: Float32Array,
  shape: CpuBackendShape,
): Promise<CpuBackend> {
  // One thread until the GEMM pool runs reliably in browser module workers.
  return new CpuBackend(model, params, { batchSize: shape.batchSize, seqLen: shape.seqLen });
}
