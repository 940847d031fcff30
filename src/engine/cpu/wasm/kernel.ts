// The wasm GEMM kernel (gemm.wat) as the CPU engine uses it: compiled once,
// the relaxed-SIMD variant where the runtime validates relaxed SIMD, and run
// on operands that live in its memory (an Arena) or, for any others, copied
// through a staging memory of its own. WasmGemm has the signatures of
// gemm.ts's products, so the engine swaps one for the other at a single point
// (CpuBackend, parallel/pool.ts); gemm.ts stays the readable reference.
//
// Results differ from gemm.ts's in rounding only: the kernel sums a K block
// in float32 (fused where the CPU has FMA), the reference in float64. Within
// one runtime they are deterministic and independent of row ranges, so GEMM
// threads stay bit-identical to one thread (see gemm.wat).
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers; products are C (M, N) += op(A) · op(B) over K.

import { relaxedProbe, variants } from './gemm.wat';
import { gemmNN, gemmNT, gemmTN, type Arr, type RowGemmOps } from '../gemm';

/** The compiled kernel, in the two memory flavours (modules can be posted to workers). */
export interface GemmKernel {
  /** Whether multiply-adds are relaxed-SIMD (fused where the CPU can). */
  readonly fma: boolean;
  /** For a shared memory (GEMM worker threads). */
  readonly shared: WebAssembly.Module;
  /** For a private memory (one thread, staging). */
  readonly private: WebAssembly.Module;
}

/** gemm.wat's K block; checked against the module's exported KC. */
const KC = 256;

/** Scratch bytes one thread needs for products N columns wide: a tile and KC × N packed (gemm.wat). */
export function gemmScratchBytes(N: number): number {
  return 128 + KC * Math.ceil(N / 8) * 32;
}

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
      const fma = WebAssembly.validate(relaxedProbe);
      const bytes = fma ? variants.fma : variants.plain;
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

type GemmExport = (
  op: number,
  c: number,
  a: number,
  b: number,
  M: number,
  N: number,
  K: number,
  m0: number,
  m1: number,
  ws: number,
) => void;

/** gemm.wat's op codes. */
const NN = 0;
const TN = 1;
const NT = 2;

function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): GemmExport {
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports as {
    gemm: GemmExport;
    KC: WebAssembly.Global;
  };
  if (exports.KC.value !== KC) throw new Error(`gemm.wat's KC is ${exports.KC.value}, not ${KC}`);
  return exports.gemm;
}

/** One instance of the kernel over one memory, with one thread's scratch in it. */
export class KernelInstance {
  private readonly gemm: GemmExport;

  constructor(
    module: WebAssembly.Module,
    readonly memory: WebAssembly.Memory,
    private readonly scratch: number,
    private readonly scratchBytes: number,
  ) {
    this.gemm = instantiate(module, memory);
  }

  /** Whether every operand is in this memory and the scratch holds N columns. */
  takes(C: Float32Array, A: Float32Array, B: Float32Array, N: number): boolean {
    const buffer = this.memory.buffer;
    return (
      C.buffer === buffer &&
      A.buffer === buffer &&
      B.buffer === buffer &&
      gemmScratchBytes(N) <= this.scratchBytes
    );
  }

  run(op: number, C: Arr, A: Arr, B: Arr, M: number, N: number, K: number, m0: number, m1: number) {
    this.gemm(op, C.byteOffset, A.byteOffset, B.byteOffset, M, N, K, m0, m1, this.scratch);
  }
}

/** A private, growable memory the operands are copied into when they live elsewhere. */
class Staging {
  private readonly memory = new WebAssembly.Memory({ initial: 1 });
  private readonly gemm: GemmExport;

  constructor(module: WebAssembly.Module) {
    this.gemm = instantiate(module, this.memory);
  }

  run(op: number, C: Arr, A: Arr, B: Arr, M: number, N: number, K: number, m0: number, m1: number) {
    const aAt = Math.ceil(gemmScratchBytes(N) / 16) * 16;
    const bAt = aAt + Math.ceil(A.length / 4) * 16;
    const cAt = bAt + Math.ceil(B.length / 4) * 16;
    const end = cAt + C.length * 4;
    const short = end - this.memory.buffer.byteLength;
    if (short > 0) this.memory.grow(Math.ceil(short / 65536));
    const heap = new Float32Array(this.memory.buffer);
    heap.set(A, aAt / 4);
    heap.set(B, bAt / 4);
    heap.set(C, cAt / 4);
    this.gemm(op, cAt, aAt, bAt, M, N, K, m0, m1, 0);
    C.set(heap.subarray(cAt / 4 + m0 * N, cAt / 4 + m1 * N), m0 * N);
  }
}

/**
 * The engine's products on the wasm kernel, rows m0..m1 as gemm.ts's take
 * them: in place for operands in `resident`'s memory, staged otherwise, and
 * float64 operands (gradient checks) through gemm.ts.
 */
export class WasmGemm implements RowGemmOps {
  private staging: Staging | null = null;

  constructor(
    private readonly kernel: GemmKernel,
    private readonly resident: KernelInstance | null = null,
  ) {}

  nn(C: Arr, A: Arr, B: Arr, M: number, N: number, K: number, m0 = 0, m1 = M): void {
    this.product(NN, C, A, B, M, N, K, m0, m1);
  }
  tn(C: Arr, A: Arr, B: Arr, M: number, N: number, K: number, m0 = 0, m1 = M): void {
    this.product(TN, C, A, B, M, N, K, m0, m1);
  }
  nt(C: Arr, A: Arr, B: Arr, M: number, N: number, K: number, m0 = 0, m1 = M): void {
    this.product(NT, C, A, B, M, N, K, m0, m1);
  }

  private product(
    op: number,
    C: Arr,
    A: Arr,
    B: Arr,
    M: number,
    N: number,
    K: number,
    m0: number,
    m1: number,
  ): void {
    if (m0 >= m1 || N === 0 || K === 0) return;
    if (
      !(C instanceof Float32Array && A instanceof Float32Array && B instanceof Float32Array)
    ) {
      [gemmNN, gemmTN, gemmNT][op](C, A, B, M, N, K, m0, m1);
    } else if (this.resident?.takes(C, A, B, N)) {
      this.resident.run(op, C, A, B, M, N, K, m0, m1);
    } else {
      this.staging ??= new Staging(this.kernel.private);
      this.staging.run(op, C, A, B, M, N, K, m0, m1);
    }
  }
}
