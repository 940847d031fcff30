// The WebGPU engine's public face: the app (and the benchmark) load this
// module lazily, only when navigator.gpu exists.

export { createGpuBackend, GpuBackend, type GpuBackendOptions } from './backend';
export { GpuCapacityError, GpuDeviceLostError, GpuUnavailableError } from './device';
export type { GemmVariant } from './gemm';
