// Dispatch descriptors for the GEMM kernels, and the choices among them.
// Every GEMM of the engine is one of
//   C (M, N) = op(A) (M, K) · op(B) (K, N)  [+ bias]  [and column sums of op(B)]
// over views (buffer, float offset, row stride) into larger buffers.
//
// Dimension legend (what M, N, K are in the engine): B batch, T window,
// E embedding, H hidden, V vocabulary, L layers, X layer input (E or H),
// Vs = V padded to a multiple of 4 (the head's row stride, params.ts), so the
// head's products take vec4 loads.
//   Gx      M = T·B, N = 4H, K = X         logits  M = T·B, N = Vs, K = H
//   dWx     M = X,   N = 4H, K = T·B (Aᵀ)  dWout   M = H,   N = Vs, K = T·B (Aᵀ)
//   dX      M = T·B, N = X,  K = 4H (Bᵀ)   dH      M = T·B, N = H,  K = Vs  (Bᵀ)

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
  /** (N) added to every row of C. */
  bias?: { buffer: GPUBuffer; offset: number };
  /** Float offset in C's buffer where Σ_k op(B)[k, n] (N) is written (bias gradients). */
  columnSumsOffset?: number;
  /** A buffer to fill the bias binding when there is no bias (must not be C's buffer). */
  placeholder: GPUBuffer;
}

/**
 * The engine option:
 * 'auto': a short autotune at model build times every eligible GemmChoice on
 *   the model's own GEMM shapes and keeps the fastest per shape (autotune.ts).
 * 'register': register tiles without workgroup memory — gemm_vec4_8x8 or
 *   gemm_vec4 where the shape allows vec4 loads (defaultChoice), gemm_register
 *   elsewhere; no autotune. Fastest on
 *   software adapters (SwiftShader), where barriers are expensive.
 * 'tiled': 64×64 workgroup-memory tiles everywhere, the classic choice on
 *   real GPUs: gemm_tiled_vec4 where the shape allows vec4 loads, gemm_tiled
 *   elsewhere. 'vec4' forces gemm_vec4 (throws on shapes it
 *   cannot take).
 */
export const GEMM_VARIANTS = ['auto', 'register', 'tiled', 'vec4'] as const;
export type GemmVariant = (typeof GEMM_VARIANTS)[number];

/**
 * One concrete kernel configuration. The tiled ones differ in the workgroup's
 * output tile (rows × columns of C), each invocation owning 4×4 outputs:
 * big tiles reuse each loaded element more, small ones give small products
 * (M = H = 256, N = Vs = 68, ...) enough workgroups to fill a GPU.
 */
export type GemmChoice =
  'vec4' | 'register' | 'tiled64' | 'tiled32' | 'tiled32x64' | 'tiled64v4' | 'vec4x8';

export const GEMM_CHOICES: readonly GemmChoice[] = [
  'vec4',
  'register',
  'tiled64',
  'tiled32',
  'tiled32x64',
  'tiled64v4',
  'vec4x8',
];

export type GemmKernel =
  'gemm_tiled' | 'gemm_tiled_vec4' | 'gemm_vec4' | 'gemm_vec4_8x8' | 'gemm_register';

/** Kernels that read both operands as aligned vec4s (vec4Eligible shapes only). */
const VEC4_KERNELS: readonly GemmKernel[] = ['gemm_vec4', 'gemm_vec4_8x8', 'gemm_tiled_vec4'];

/** Kernel, override constants and output tile (rows, columns of C per workgroup) of a choice. */
const CHOICES: Record<
  GemmChoice,
  { kernel: GemmKernel; rows: number; cols: number; threads?: [number, number] }
> = {
  vec4: { kernel: 'gemm_vec4', rows: 32, cols: 64 }, // 8×8 invocations × (4 rows, 8 columns)
  register: { kernel: 'gemm_register', rows: 32, cols: 32 }, // 8×8 × (4, 4)
  tiled64: { kernel: 'gemm_tiled', rows: 64, cols: 64, threads: [16, 16] },
  tiled32: { kernel: 'gemm_tiled', rows: 32, cols: 32, threads: [8, 8] },
  tiled32x64: { kernel: 'gemm_tiled', rows: 32, cols: 64, threads: [16, 8] },
  tiled64v4: { kernel: 'gemm_tiled_vec4', rows: 64, cols: 64 }, // 16×16 × (4, 4), vec4 loads
  vec4x8: { kernel: 'gemm_vec4_8x8', rows: 64, cols: 64 }, // 8×8 × (8 rows, 8 columns)
};

/** Whether a choice needs vec4Eligible shapes. */
export function needsVec4(choice: GemmChoice): boolean {
  return VEC4_KERNELS.includes(CHOICES[choice].kernel);
}

/** Whether gemm_vec4 can read both operands as aligned vec4s. */
export function vec4Eligible(g: GemmArgs): boolean {
  const aligned = (v: MatrixView) => v.offset % 4 === 0 && v.ld % 4 === 0;
  const aContiguous = g.transA ? g.M : g.K;
  const bContiguous = g.transB ? g.K : g.N;
  return aligned(g.a) && aligned(g.b) && aContiguous % 4 === 0 && bContiguous % 4 === 0;
}

/** The choices that can run this product (vec4 loads only on aligned shapes). */
export function eligibleChoices(g: GemmArgs): GemmChoice[] {
  const aligned = vec4Eligible(g);
  return GEMM_CHOICES.filter((c) => aligned || !needsVec4(c));
}

/** 64×64 blocks of C that keep a GPU's cores busy with vec4x8 (8×8 outputs per invocation). */
const WIDE_TILE_MIN_BLOCKS = 16;

/**
 * The fixed rule of 'register' (and 'auto' for shapes the autotune has not
 * seen): register tiles with vec4 loads where the shape allows, the 8×8 ones
 * (most reuse per load) when the product has blocks enough for every core,
 * the 4×8 ones on small products, scalar register tiles elsewhere.
 */
export function defaultChoice(g: GemmArgs): GemmChoice {
  if (!vec4Eligible(g)) return 'register';
  const blocks = Math.ceil(g.M / 64) * Math.ceil(g.N / 64);
  return blocks >= WIDE_TILE_MIN_BLOCKS ? 'vec4x8' : 'vec4';
}

/** A fixed variant's choice for one product. */
export function choiceFor(g: GemmArgs, variant: Exclude<GemmVariant, 'auto'>): GemmChoice {
  if (variant === 'tiled') return vec4Eligible(g) ? 'tiled64v4' : 'tiled64';
  if (variant === 'vec4') {
    if (!vec4Eligible(g))
      throw new Error(`gemm_vec4 cannot take this shape (M=${g.M}, N=${g.N}, K=${g.K})`);
    return 'vec4';
  }
  return defaultChoice(g);
}

/**
 * What the autotune keys its choices on: the shape, the transposes and
 * whether vec4 loads are possible. Bias and column sums change
 * a product's cost by a row or a column, so they share the key.
 */
export function gemmShapeKey(g: GemmArgs): string {
  const ops = `${g.transA ? 'T' : 'N'}${g.transB ? 'T' : 'N'}`;
  return `${g.M}x${g.N}x${g.K} ${ops}${vec4Eligible(g) ? '' : ' unaligned'}`;
}

/** Multiply-adds × 2 of one product. */
export function gemmFlops(g: { M: number; N: number; K: number }): number {
  return 2 * g.M * g.N * g.K;
}

/** A dispatch of one GEMM with the given choice. */
export function gemmDispatch(g: GemmArgs, choice: GemmChoice): DispatchSpec {
  const spec = CHOICES[choice];
  if (needsVec4(choice) && !vec4Eligible(g)) {
    throw new Error(`${spec.kernel} cannot take this shape (M=${g.M}, N=${g.N}, K=${g.K})`);
  }
  const constants: Record<string, boolean | number> = {
    TRANS_A: !!g.transA,
    TRANS_B: !!g.transB,
    ADD_BIAS: !!g.bias,
    COLUMN_SUMS: g.columnSumsOffset !== undefined,
  };
  if (spec.threads) {
    constants.WG_X = spec.threads[0];
    constants.WG_Y = spec.threads[1];
  }
  return {
    kernel: spec.kernel,
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
    workgroups: [Math.ceil(g.N / spec.cols), Math.ceil(g.M / spec.rows)],
  };
}
