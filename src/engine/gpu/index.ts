// The WebGPU engine's public face: the app (and the benchmark) load this
// module lazily, only when navigator.gpu exists.
//
// Dimension legend (of every engine file): B batch, T window, E embedding,
// H hidden, V vocabulary, L layers, X layer input (E or H).

export { GpuBackend, type GpuBackendOptions } from './backend';
export { createGpuBackend } from './create';
export { GpuCapacityError, GpuDeviceLostError, GpuUnavailableError } from './device';
export type { GemmChoice, GemmVariant } from './gemm';
export type { RecurrentMode, RecurrentVariant } from './plan';
export {
  clearTuningCache,
  exportTuningCache,
  importTuningCache,
  type AutotuneOptions,
  type TuneReport,
  type TuningCacheExport,
} from './autotune';
export { measureGemmRoofline, type GemmShape, type RooflineResult } from './roofline';
