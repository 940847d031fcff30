// Vitest setup (every project): the CPU engine's wasm GEMM kernel is imported
// before any test builds a CpuBackend, so each one runs it (see
// src/engine/cpu/wasm/compile.ts), not gemm.ts depending on timing.
import { loadGemmKernel } from '../../src/engine/cpu/wasm/compile';

await loadGemmKernel();
