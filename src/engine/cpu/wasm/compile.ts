// Compiles the wasm GEMM kernel once: the relaxed-SIMD variant where the
// runtime validates relaxed SIMD (fused multiply-adds where the CPU has them),
// else the one with a multiply then an add. Importing gemm.wat gives its
// binaries, assembled from the text by scripts/wat.mjs: through Vite (the app,
// the tests) or a Node hook (scripts run by tsx with scripts/watRegister.mjs).
// Imported dynamically so that a runtime with neither (a plain `tsx` script)
// still loads the engine, on gemm.ts; and without a top-level await, which
// would hold up the evaluation of the engine's worker script past its first
// message (the message then finds no handler and is lost).
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers (none appears here: this file only compiles).

import type { GemmKernel } from './kernel';

type Binaries = typeof import('./gemm.wat');
let binaries: Binaries | null = null;
const imported: Promise<void> = import('./gemm.wat').then(
  (b) => {
    binaries = b;
  },
  () => {},
);

let compiled: GemmKernel | null | undefined;

/**
 * The kernel once its binaries are imported (a moment after this module
 * loads): what createCpuBackend awaits, and the tests' setup
 * (tests/helpers/wasmKernel.ts), so that every backend they build runs it.
 */
export async function loadGemmKernel(): Promise<GemmKernel | null> {
  await imported;
  return gemmKernel();
}

/**
 * The kernel, compiled on first use (synchronously: the modules are ~1 KB,
 * far under what a browser's main thread may compile that way); null where
 * WebAssembly or its SIMD is missing or forbidden (a CSP without
 * 'wasm-unsafe-eval'): the engine then runs gemm.ts.
 */
export function gemmKernel(): GemmKernel | null {
  if (compiled === undefined) {
    // Not imported yet (or not assembled, under plain tsx): gemm.ts, this time.
    if (!binaries) return null;
    try {
      const fma = WebAssembly.validate(binaries.relaxedProbe);
      const bytes = fma ? binaries.variants.fma : binaries.variants.plain;
      compiled = {
        fma,
        shared: new WebAssembly.Module(bytes.shared),
        private: new WebAssembly.Module(bytes.private),
      };
    } catch {
      compiled = null;
    }
  }
  return compiled;
}
