// Dense matrix products for the CPU engine, row-major, accumulating (+=) as
// backward passes need. Plain TypeScript on typed arrays; what makes a JIT-
// compiled scalar loop fast is reuse: every product works on 4×4 tiles of C
// held in sixteen local variables, so each value loaded from A or B feeds four
// multiply-adds and C is read and written once per tile instead of once per
// multiply-add (1.7–2.6× per product over the 4-row loop this replaced, 2×
// over a whole training step).
// In NN and TN, long shared dimensions are cut into blocks of KC so a tile's
// strips of A and B stay in the L1 cache across neighbouring tiles (NT reads
// both operands along contiguous rows and gains nothing from it).
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers. Shapes here are given as (rows, cols) and K is the shared
// dimension; the engine calls them with M, N, K among T·B, B, E, H, 4H and V
// (see lstmLayer.ts and model.ts).
//
// Every element of C is computed the same way wherever its tile sits (full
// 4×4 tile or edge): for each K block in order, the products are summed in
// ascending k in a double, then added to C once. So splitting rows across
// threads (parallel/pool.ts) or changing the tile shape of an edge never
// changes a rounding, and the pool stays bit-identical to one thread.

export type Arr = Float32Array | Float64Array;
export type ArrCtor = Float32ArrayConstructor | Float64ArrayConstructor;

// Every product takes an optional row range [m0, m1) of C, so a thread pool can
// split one product across workers without copying (see parallel/pool.ts).

/** K block: a 4-row strip of A and a 4-column strip of B over KC fit in L1 (2 × 16 KB). */
const KC = 256;
/** Column panel of B that NN reuses across every row tile (KC × NC floats, in L2). */
const NC = 256;

/** C (M, N) += A (M, K) · B (K, N), rows m0..m1 of C */
export function gemmNN(
  C: Arr,
  A: Arr,
  B: Arr,
  M: number,
  N: number,
  K: number,
  m0 = 0,
  m1 = M,
): void {
  for (let k0 = 0; k0 < K; k0 += KC) {
    const k1 = Math.min(K, k0 + KC);
    for (let j0 = 0; j0 < N; j0 += NC) {
      const j1 = Math.min(N, j0 + NC);
      let i = m0;
      for (; i + 4 <= m1; i += 4) {
        let j = j0;
        for (; j + 4 <= j1; j += 4) tileNN(C, A, B, N, K, i, j, k0, k1);
        // Edge columns: one column of B against the same four rows.
        for (; j < j1; j++) {
          let c0 = 0;
          let c1 = 0;
          let c2 = 0;
          let c3 = 0;
          for (let k = k0, b = k0 * N + j; k < k1; k++, b += N) {
            const y = B[b];
            c0 += A[i * K + k] * y;
            c1 += A[(i + 1) * K + k] * y;
            c2 += A[(i + 2) * K + k] * y;
            c3 += A[(i + 3) * K + k] * y;
          }
          C[i * N + j] += c0;
          C[(i + 1) * N + j] += c1;
          C[(i + 2) * N + j] += c2;
          C[(i + 3) * N + j] += c3;
        }
      }
      // Edge rows, one element at a time.
      for (; i < m1; i++) {
        for (let j = j0; j < j1; j++) {
          let s = 0;
          for (let k = k0, b = k0 * N + j; k < k1; k++, b += N) s += A[i * K + k] * B[b];
          C[i * N + j] += s;
        }
      }
    }
  }
}

/** C (M, N) += Aᵀ · B, with A (K, M) and B (K, N): weight gradients summed over K positions. */
export function gemmTN(
  C: Arr,
  A: Arr,
  B: Arr,
  M: number,
  N: number,
  K: number,
  m0 = 0,
  m1 = M,
): void {
  // K (positions, T·B) is long here; without the blocks the strips of A and B
  // fall out of L1 before the next tile reuses them (half the speed).
  for (let k0 = 0; k0 < K; k0 += KC) {
    const k1 = Math.min(K, k0 + KC);
    let i = m0;
    for (; i + 4 <= m1; i += 4) {
      let j = 0;
      for (; j + 4 <= N; j += 4) tileTN(C, A, B, M, N, i, j, k0, k1);
      for (; j < N; j++) {
        let c0 = 0;
        let c1 = 0;
        let c2 = 0;
        let c3 = 0;
        for (let k = k0, a = k0 * M + i, b = k0 * N + j; k < k1; k++, a += M, b += N) {
          const y = B[b];
          c0 += A[a] * y;
          c1 += A[a + 1] * y;
          c2 += A[a + 2] * y;
          c3 += A[a + 3] * y;
        }
        C[i * N + j] += c0;
        C[(i + 1) * N + j] += c1;
        C[(i + 2) * N + j] += c2;
        C[(i + 3) * N + j] += c3;
      }
    }
    for (; i < m1; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = k0, a = k0 * M + i, b = k0 * N + j; k < k1; k++, a += M, b += N) {
          s += A[a] * B[b];
        }
        C[i * N + j] += s;
      }
    }
  }
}

/** C (M, N) += A · Bᵀ, with A (M, K) and B (N, K): gradients flowing back through a weight. */
export function gemmNT(
  C: Arr,
  A: Arr,
  B: Arr,
  M: number,
  N: number,
  K: number,
  m0 = 0,
  m1 = M,
): void {
  // Dot products along contiguous rows of A and B. No K blocks: blocking
  // measured no faster, since each row tile streams four rows of B once anyway.
  let i = m0;
  for (; i + 4 <= m1; i += 4) {
    let j = 0;
    for (; j + 4 <= N; j += 4) tileNT(C, A, B, N, K, i, j);
    for (; j < N; j++) {
      let c0 = 0;
      let c1 = 0;
      let c2 = 0;
      let c3 = 0;
      for (let k = 0, b = j * K; k < K; k++, b++) {
        const y = B[b];
        c0 += A[i * K + k] * y;
        c1 += A[(i + 1) * K + k] * y;
        c2 += A[(i + 2) * K + k] * y;
        c3 += A[(i + 3) * K + k] * y;
      }
      C[i * N + j] += c0;
      C[(i + 1) * N + j] += c1;
      C[(i + 2) * N + j] += c2;
      C[(i + 3) * N + j] += c3;
    }
  }
  for (; i < m1; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += A[i * K + k] * B[j * K + k];
      C[i * N + j] += s;
    }
  }
}

// The 4×4 tiles: C[i..i+3][j..j+3] += the products over k0..k1, in sixteen
// locals (the JIT keeps most in registers). Kept as written by prettier: one
// line per row of the tile reads as the 4×4 it is.

// prettier-ignore
function tileNN(C: Arr, A: Arr, B: Arr, N: number, K: number, i: number, j: number, k0: number, k1: number): void {
  const a0 = i * K, a1 = a0 + K, a2 = a1 + K, a3 = a2 + K;
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let k = k0, b = k0 * N + j; k < k1; k++, b += N) {
    const x0 = A[a0 + k], x1 = A[a1 + k], x2 = A[a2 + k], x3 = A[a3 + k];
    const y0 = B[b], y1 = B[b + 1], y2 = B[b + 2], y3 = B[b + 3];
    c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
    c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
    c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
    c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
  }
  let c = i * N + j;
  C[c] += c00; C[c + 1] += c01; C[c + 2] += c02; C[c + 3] += c03; c += N;
  C[c] += c10; C[c + 1] += c11; C[c + 2] += c12; C[c + 3] += c13; c += N;
  C[c] += c20; C[c + 1] += c21; C[c + 2] += c22; C[c + 3] += c23; c += N;
  C[c] += c30; C[c + 1] += c31; C[c + 2] += c32; C[c + 3] += c33;
}

// prettier-ignore
function tileTN(C: Arr, A: Arr, B: Arr, M: number, N: number, i: number, j: number, k0: number, k1: number): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let k = k0, a = k0 * M + i, b = k0 * N + j; k < k1; k++, a += M, b += N) {
    const x0 = A[a], x1 = A[a + 1], x2 = A[a + 2], x3 = A[a + 3];
    const y0 = B[b], y1 = B[b + 1], y2 = B[b + 2], y3 = B[b + 3];
    c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
    c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
    c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
    c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
  }
  let c = i * N + j;
  C[c] += c00; C[c + 1] += c01; C[c + 2] += c02; C[c + 3] += c03; c += N;
  C[c] += c10; C[c + 1] += c11; C[c + 2] += c12; C[c + 3] += c13; c += N;
  C[c] += c20; C[c + 1] += c21; C[c + 2] += c22; C[c + 3] += c23; c += N;
  C[c] += c30; C[c + 1] += c31; C[c + 2] += c32; C[c + 3] += c33;
}

// prettier-ignore
function tileNT(C: Arr, A: Arr, B: Arr, N: number, K: number, i: number, j: number): void {
  const a0 = i * K, a1 = a0 + K, a2 = a1 + K, a3 = a2 + K;
  const b0 = j * K, b1 = b0 + K, b2 = b1 + K, b3 = b2 + K;
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let k = 0; k < K; k++) {
    const x0 = A[a0 + k], x1 = A[a1 + k], x2 = A[a2 + k], x3 = A[a3 + k];
    const y0 = B[b0 + k], y1 = B[b1 + k], y2 = B[b2 + k], y3 = B[b3 + k];
    c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
    c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
    c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
    c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
  }
  let c = i * N + j;
  C[c] += c00; C[c + 1] += c01; C[c + 2] += c02; C[c + 3] += c03; c += N;
  C[c] += c10; C[c + 1] += c11; C[c + 2] += c12; C[c + 3] += c13; c += N;
  C[c] += c20; C[c + 1] += c21; C[c + 2] += c22; C[c + 3] += c23; c += N;
  C[c] += c30; C[c + 1] += c31; C[c + 2] += c32; C[c + 3] += c33;
}

/** Adds a bias (N) to every row of X (M, N). */
export function addRowBias(X: Arr, bias: Arr, M: number, N: number): void {
  for (let i = 0; i < M; i++) {
    const row = i * N;
    for (let j = 0; j < N; j++) X[row + j] += bias[j];
  }
}

/** bias (N) += column sums of X (M, N). */
export function sumRowsInto(bias: Arr, X: Arr, M: number, N: number): void {
  for (let i = 0; i < M; i++) {
    const row = i * N;
    for (let j = 0; j < N; j++) bias[j] += X[row + j];
  }
}

/**
 * The three products, as an object a model can be handed: serial here, the wasm kernel in
 * wasm/kernel.ts, a pool in parallel/.
 */
export interface GemmOps {
  nn(C: Arr, A: Arr, B: Arr, M: number, N: number, K: number): void;
  tn(C: Arr, A: Arr, B: Arr, M: number, N: number, K: number): void;
  nt(C: Arr, A: Arr, B: Arr, M: number, N: number, K: number): void;
  /**
   * The wasm kernel's LSTM cell update (lstmLayer.ts's loop) of the first of
   * n units; returns how many it did, the caller does the rest. Absent here:
   * the reference computes every unit itself.
   */
  lstmCells?(gates: Arr, cPrev: Arr, c: Arr, h: Arr, n: number): number;
}

/** The products on rows m0..m1 of C, as a GEMM thread runs its share (parallel/pool.ts). */
export interface RowGemmOps extends GemmOps {
  nn(C: Arr, A: Arr, B: Arr, M: number, N: number, K: number, m0?: number, m1?: number): void;
  tn(C: Arr, A: Arr, B: Arr, M: number, N: number, K: number, m0?: number, m1?: number): void;
  nt(C: Arr, A: Arr, B: Arr, M: number, N: number, K: number, m0?: number, m1?: number): void;
}

/** The TypeScript products: the reference (and the path for float64 gradient checks). */
export const serialGemm: RowGemmOps = { nn: gemmNN, tn: gemmTN, nt: gemmNT };

/**
 * The view a[start, end), made once per (array, start) and reused: the step
 * slices its buffers per timestep and per layer, and a fresh subarray each
 * time is garbage the training loop would otherwise make every step.
 */
export function slice(a: Arr, start: number, end: number): Arr {
  let cache = views.get(a);
  if (!cache) {
    cache = new Map();
    views.set(a, cache);
  }
  let view = cache.get(start);
  if (!view || view.length !== end - start) {
    view = a.subarray(start, end);
    cache.set(start, view);
  }
  return view;
}
const views = new WeakMap<Arr, Map<number, Arr>>();

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
