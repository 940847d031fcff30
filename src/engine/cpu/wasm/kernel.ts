// The wasm GEMM kernel (gemm.wat, compiled by compile.ts) as the CPU engine
// runs it: on operands that live in its memory (an Arena) or, for any others, copied
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

import { gemmNN, gemmNT, gemmTN, type Arr, type RowGemmOps } from '../gemm';
import type { PackedWeights } from './packed';

/**
 * The compiled kernel, in the two memory flavours (modules can be posted to
 * workers, which therefore never import the .wat themselves: a GEMM worker
 * under Node's tsx could not).
 */
export interface GemmKernel {
  /** Whether multiply-adds are relaxed-SIMD (fused where the CPU can). */
  readonly fma: boolean;
  /** For a shared memory (GEMM worker threads). */
  readonly shared: WebAssembly.Module;
  /** For a private memory (one thread, staging). */
  readonly private: WebAssembly.Module;
}

/** gemm.wat's K block and row block; checked against the module's exported KC and MC. */
const KC = 256;
const MC = 64;

/** Scratch bytes one thread needs for products N columns wide: a tile, packed A and B (gemm.wat). */
export function gemmScratchBytes(N: number): number {
  return 128 + MC * KC * 4 + KC * Math.ceil(N / 8) * 32;
}

/** Floats of op(B) (K, N) packed as the kernel's panels (gemm.wat `pack`): K rows of ceil(N/8)·8. */
export function packedFloats(N: number, K: number): number {
  return K * Math.ceil(N / 8) * 8;
}

type PackExport = (trans: number, b: number, N: number, K: number, dst: number) => void;
type CellsExport = (gates: number, cPrev: number, c: number, h: number, n: number) => void;

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

/** gemm.wat's op codes; NP: A (M, K) times a B already packed (PackedWeights). */
const NN = 0;
const TN = 1;
const NT = 2;
const NP = 4;

interface Exports {
  gemm: GemmExport;
  pack: PackExport;
  lstmCells: CellsExport;
  KC: WebAssembly.Global;
  MC: WebAssembly.Global;
}

function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): Exports {
  const exports = new WebAssembly.Instance(module, { env: { memory } })
    .exports as unknown as Exports;
  if (exports.KC.value !== KC || exports.MC.value !== MC) {
    throw new Error(`gemm.wat's blocks are KC ${exports.KC.value}, MC ${exports.MC.value}`);
  }
  return exports;
}

/** One instance of the kernel over one memory, with one thread's scratch in it. */
export class KernelInstance {
  private readonly gemm: GemmExport;
  private readonly packB: PackExport;
  private readonly cells: CellsExport;

  constructor(
    module: WebAssembly.Module,
    readonly memory: WebAssembly.Memory,
    private readonly scratch: number,
    private readonly scratchBytes: number,
  ) {
    const exports = instantiate(module, memory);
    this.gemm = exports.gemm;
    this.packB = exports.pack;
    this.cells = exports.lstmCells;
  }

  /** Whether every array is a float32 view of this memory. */
  holds(...arrays: Arr[]): boolean {
    return arrays.every((a) => a instanceof Float32Array && a.buffer === this.memory.buffer);
  }

  /** The LSTM cell's forward update of units 0..n (n a multiple of 4; gemm.wat lstmCells). */
  lstmCells(gates: Arr, cPrev: Arr, c: Arr, h: Arr, n: number): void {
    this.cells(gates.byteOffset, cPrev.byteOffset, c.byteOffset, h.byteOffset, n);
  }

  /** `panels` (packedFloats(N, K), in this memory) = op(B) packed; trans: B is (N, K) (NT). */
  pack(panels: Float32Array, B: Float32Array, trans: boolean, N: number, K: number): void {
    if (panels.buffer !== this.memory.buffer || B.buffer !== this.memory.buffer) {
      throw new Error('a weight to pack and its panels must be in the kernel memory');
    }
    if (panels.length < packedFloats(N, K)) throw new Error('too little room for the panels');
    this.packB(trans ? 1 : 0, B.byteOffset, N, K, panels.byteOffset);
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
    this.gemm = instantiate(module, this.memory).gemm;
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
 * float64 operands (gradient checks) through gemm.ts. With `packs`, an NN or
 * NT product whose B is a weight packed for this step reads its panels.
 */
export class WasmGemm implements RowGemmOps {
  private staging: Staging | null = null;

  constructor(
    private readonly kernel: GemmKernel,
    readonly resident: KernelInstance | null = null,
    private readonly packs: PackedWeights | null = null,
  ) {}

  /**
   * The LSTM cell's forward update (lstmLayer.ts) of the first units, four at
   * a time, where every array is in the resident memory; returns how many
   * units it did (a multiple of 4, or 0): the caller does the rest. Its σ and
   * tanh are gemm.wat's float32 polynomials, within a few ulp of Math.exp's.
   */
  lstmCells(gates: Arr, cPrev: Arr, c: Arr, h: Arr, n: number): number {
    const done = n - (n % 4);
    if (done === 0 || !this.resident?.holds(gates, cPrev, c, h)) return 0;
    this.resident.lstmCells(gates, cPrev, c, h, done);
    return done;
  }

  /** C (M, N) += A (M, K) · the panels P (PackedWeights), rows m0..m1; all in the resident memory. */
  np(C: Arr, A: Arr, P: Arr, M: number, N: number, K: number, m0 = 0, m1 = M): void {
    if (m0 >= m1 || N === 0 || K === 0) return;
    if (!this.resident) throw new Error('packed panels need the resident kernel');
    this.resident.run(NP, C, A, P, M, N, K, m0, m1);
  }

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
    if (!(C instanceof Float32Array && A instanceof Float32Array && B instanceof Float32Array)) {
      [gemmNN, gemmTN, gemmNT][op](C, A, B, M, N, K, m0, m1);
    } else if (this.resident?.takes(C, A, B, N)) {
      const panels = op === TN ? null : this.packs?.find(B, op === NT, N, K);
      if (panels) this.resident.run(NP, C, A, panels, M, N, K, m0, m1);
      else this.resident.run(op, C, A, B, M, N, K, m0, m1);
    } else {
      this.staging ??= new Staging(this.kernel.private);
      this.staging.run(op, C, A, B, M, N, K, m0, m1);
    }
  }
}
