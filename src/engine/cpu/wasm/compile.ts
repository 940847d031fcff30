// Compiles the wasm GEMM kernel once: the relaxed-SIMD variant where the
// runtime validates relaxed SIMD (fused multiply-adds where the CPU has them),
// else the one with a multiply then an add. Importing gemm.wat gives its
// binaries, assembled from the text by scripts/wat.mjs: through Vite (the app,
// the tests) or a Node hook (scripts run by tsx with scripts/watRegister.mjs).
// Imported dynamically so that a runtime with neither (a plain `tsx` script)
// still loads the engine, on gemm.ts.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers (none appears here: this file only compiles).

import type { GemmKernel } from './kernel';

type Binaries = typeof import('./gemm.wat');
const binaries: Binaries | null = await import('./gemm.wat').catch(() => null);

let compiled: GemmKernel | null | undefined;

/**
 * The kernel, compiled on first use (synchronously: the modules are ~1 KB,
 * far under what a browser's main thread may compile that way); null where
 * WebAssembly or its SIMD is missing or forbidden (a CSP without
 * 'wasm-unsafe-eval'): the engine then runs gemm.ts.
 */
export function gemmKernel(): GemmKernel | null {
  if (compiled === undefined) {
    try {
      if (!binaries) throw new Error('gemm.wat was not assembled');
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
