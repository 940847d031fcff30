// The WebGPU engine's public face: the app (and the benchmark) load this
// module lazily, only when navigator.gpu exists.
//
// Dimension legend (of every engine file): B batch, T window, E embedding,
// H hidden, V vocabulary, L layers, X layer input (E or H).

import { createGpuBackend } from './create';
import { GEMM_VARIANTS } from './gemm';
import { RECURRENT_VARIANTS } from './plan';
import { measureGemmRoofline } from './roofline';
import { tuningExport, tuningImport } from './autotune';

export { GpuBackend, type GpuBackendOptions } from './backend';
export { createGpuBackend };
export { GpuCapacityError, GpuDeviceLostError, GpuUnavailableError } from './device';
export { GEMM_VARIANTS, RECURRENT_VARIANTS };
export type { GemmChoice, GemmVariant } from './gemm';
export type { RecurrentMode, RecurrentVariant } from './plan';
export type { AutotuneOptions, TuneReport, TuningEntries } from './autotune';
export { tuningExport, tuningImport };
export { measureGemmRoofline };
export type { GemmShape, RooflineResult } from './roofline';

/**
 * What a lazy import of this module gives the app's worker and the
 * benchmark page, which load it only when WebGPU is there.
 */
export interface GpuEngineModule {
  createGpuBackend: typeof createGpuBackend;
  measureGemmRoofline: typeof measureGemmRoofline;
  /** The autotune's cached choices out and in: the app's worker keeps them across visits. */
  tuningExport: typeof tuningExport;
  tuningImport: typeof tuningImport;
  /** The engine's `gemm` and `recurrent` options, for the benchmark's flags. */
  GEMM_VARIANTS: typeof GEMM_VARIANTS;
  RECURRENT_VARIANTS: typeof RECURRENT_VARIANTS;
}
