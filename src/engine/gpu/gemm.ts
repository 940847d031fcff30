// Dispatch descriptors for the two GEMM kernels, and the choice between them.
// Every GEMM of the engine is one of
//   C (M, N) = op(A) (M, K) · op(B) (K, N)  [+ bias]  [+ C]  [and column sums of B]
// over views (buffer, float offset, row stride) into larger buffers.

import type { DispatchSpec } from './program';

export interface MatrixView {
  buffer: GPUBuffer;
  /** Offset of element (0, 0), in floats. */
  offset: number;
  /** Row stride of the stored matrix, in floats. */
  ld: number;
}

export interface GemmArgs {
  M: number;
  N: number;
  K: number;
  /** A (M, K), or stored (K, M) when transA. */
  a: MatrixView;
  /** B (K, N), or stored (N, K) when transB. */
  b: MatrixView;
  /** C (M, N). */
  c: MatrixView;
  transA?: boolean;
  transB?: boolean;
  accumulate?: boolean;
  /** (N) added to every row of C. */
  bias?: { buffer: GPUBuffer; offset: number };
  /** Float offset in C's buffer where Σ_k op(B)[k, n] (N) is written (bias gradients). */
  columnSumsOffset?: number;
  /** A buffer to fill the bias binding when there is no bias (must not be C's buffer). */
  placeholder: GPUBuffer;
}

/**
 * 'register': register tiles without workgroup memory — gemm_vec4 where the
 * shape allows vec4 loads, gemm_register elsewhere. Fastest on software
 * adapters (SwiftShader), where barriers are expensive.
 * 'tiled': gemm_tiled (workgroup-memory tiles) everywhere, the classic choice
 * on real GPUs. 'vec4' forces gemm_vec4 (throws on shapes it cannot take).
 * 'auto' is 'register' for now; the performance work picks per adapter.
 */
export type GemmVariant = 'auto' | 'register' | 'tiled' | 'vec4';

const TILE = 64; // gemm_tiled: 64×64 outputs per workgroup
const VEC4_ROWS = 32; // gemm_vec4: 8×8 invocations × (4 rows, 8 columns)
const VEC4_COLS = 64;
const REGISTER_TILE = 32; // gemm_register: 8×8 invocations × (4 rows, 4 columns)

/** Whether gemm_vec4 can read both operands as aligned vec4s. */
export function vec4Eligible(g: GemmArgs): boolean {
  const aligned = (v: MatrixView) => v.offset % 4 === 0 && v.ld % 4 === 0;
  const aContiguous = g.transA ? g.M : g.K;
  const bContiguous = g.transB ? g.K : g.N;
  return aligned(g.a) && aligned(g.b) && aContiguous % 4 === 0 && bContiguous % 4 === 0;
}

export type GemmKernel = 'gemm_tiled' | 'gemm_vec4' | 'gemm_register';

function kernelFor(g: GemmArgs, variant: GemmVariant): GemmKernel {
  if (variant === 'tiled') return 'gemm_tiled';
  if (variant === 'vec4') {
    if (!vec4Eligible(g))
      throw new Error(`gemm_vec4 cannot take this shape (M=${g.M}, N=${g.N}, K=${g.K})`);
    return 'gemm_vec4';
  }
  return vec4Eligible(g) ? 'gemm_vec4' : 'gemm_register';
}

export function gemmDispatch(g: GemmArgs, variant: GemmVariant = 'auto'): DispatchSpec {
  return gemmKernelDispatch(g, kernelFor(g, variant));
}

/** A dispatch of one named GEMM kernel (tests use it to reach every kernel). */
export function gemmKernelDispatch(g: GemmArgs, kernel: GemmKernel): DispatchSpec {
  if (kernel === 'gemm_vec4' && !vec4Eligible(g)) {
    throw new Error(`gemm_vec4 cannot take this shape (M=${g.M}, N=${g.N}, K=${g.K})`);
  }
  const constants = {
    TRANS_A: !!g.transA,
    TRANS_B: !!g.transB,
    ACCUMULATE: !!g.accumulate,
    ADD_BIAS: !!g.bias,
    COLUMN_SUMS: g.columnSumsOffset !== undefined,
  };
  const workgroups =
    kernel === 'gemm_vec4'
      ? [Math.ceil(g.N / VEC4_COLS), Math.ceil(g.M / VEC4_ROWS)]
      : kernel === 'gemm_register'
        ? [Math.ceil(g.N / REGISTER_TILE), Math.ceil(g.M / REGISTER_TILE)]
        : [Math.ceil(g.N / TILE), Math.ceil(g.M / TILE)];
  return {
    kernel,
    constants,
    uniforms: {
      M: g.M,
      N: g.N,
      K: g.K,
      lda: g.a.ld,
      ldb: g.b.ld,
      ldc: g.c.ld,
      aOffset: g.a.offset,
      bOffset: g.b.offset,
      cOffset: g.c.offset,
      biasOffset: g.bias?.offset ?? 0,
      colSumOffset: g.columnSumsOffset ?? 0,
    },
    buffers: [g.a.buffer, g.b.buffer, g.c.buffer, g.bias?.buffer ?? g.placeholder],
    workgroups,
  };
}
