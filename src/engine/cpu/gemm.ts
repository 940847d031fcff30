// Dense matrix products for the CPU engine, row-major, accumulating (+=) as
// backward passes need. Register-blocked in plain TypeScript: each inner loop
// reuses every value it loads four times, which is what makes a JIT-compiled
// scalar loop fast (2–4× over the textbook triple loop). The blocking is the
// only trick; the loops still read as the textbook product.
//
// Shapes are given as (rows, cols); K is the shared dimension.

export type Arr = Float32Array | Float64Array;
export type ArrCtor = Float32ArrayConstructor | Float64ArrayConstructor;

// Every product takes an optional row range [m0, m1) of C, so a thread pool can
// split one product across workers without copying (see parallel/pool.ts).

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
  let i = m0;
  // Four rows of C at a time: each loaded element of B feeds four products.
  for (; i + 4 <= m1; i += 4) {
    const c0 = i * N;
    const c1 = c0 + N;
    const c2 = c1 + N;
    const c3 = c2 + N;
    for (let k = 0; k < K; k++) {
      const a0 = A[i * K + k];
      const a1 = A[(i + 1) * K + k];
      const a2 = A[(i + 2) * K + k];
      const a3 = A[(i + 3) * K + k];
      const bRow = k * N;
      for (let j = 0; j < N; j++) {
        const b = B[bRow + j];
        C[c0 + j] += a0 * b;
        C[c1 + j] += a1 * b;
        C[c2 + j] += a2 * b;
        C[c3 + j] += a3 * b;
      }
    }
  }
  for (; i < m1; i++) {
    const cRow = i * N;
    for (let k = 0; k < K; k++) {
      const a = A[i * K + k];
      const bRow = k * N;
      for (let j = 0; j < N; j++) C[cRow + j] += a * B[bRow + j];
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
  let k = 0;
  // Four positions at a time: each C element is loaded and stored once per four products.
  for (; k + 4 <= K; k += 4) {
    const b0 = k * N;
    const b1 = b0 + N;
    const b2 = b1 + N;
    const b3 = b2 + N;
    for (let i = m0; i < m1; i++) {
      const a0 = A[k * M + i];
      const a1 = A[(k + 1) * M + i];
      const a2 = A[(k + 2) * M + i];
      const a3 = A[(k + 3) * M + i];
      const cRow = i * N;
      for (let j = 0; j < N; j++) {
        C[cRow + j] += a0 * B[b0 + j] + a1 * B[b1 + j] + a2 * B[b2 + j] + a3 * B[b3 + j];
      }
    }
  }
  for (; k < K; k++) {
    const bRow = k * N;
    for (let i = m0; i < m1; i++) {
      const a = A[k * M + i];
      const cRow = i * N;
      for (let j = 0; j < N; j++) C[cRow + j] += a * B[bRow + j];
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
  // 2×2 tiles of dot products: four accumulators share two row loads of each operand.
  let i = m0;
  for (; i + 2 <= m1; i += 2) {
    const a0 = i * K;
    const a1 = a0 + K;
    let j = 0;
    for (; j + 2 <= N; j += 2) {
      const b0 = j * K;
      const b1 = b0 + K;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      for (let k = 0; k < K; k++) {
        const x0 = A[a0 + k];
        const x1 = A[a1 + k];
        const y0 = B[b0 + k];
        const y1 = B[b1 + k];
        s00 += x0 * y0;
        s01 += x0 * y1;
        s10 += x1 * y0;
        s11 += x1 * y1;
      }
      C[i * N + j] += s00;
      C[i * N + j + 1] += s01;
      C[(i + 1) * N + j] += s10;
      C[(i + 1) * N + j + 1] += s11;
    }
    for (; j < N; j++) {
      C[i * N + j] += dot(A, a0, B, j * K, K);
      C[(i + 1) * N + j] += dot(A, a1, B, j * K, K);
    }
  }
  for (; i < m1; i++) {
    for (let j = 0; j < N; j++) C[i * N + j] += dot(A, i * K, B, j * K, K);
  }
}

function dot(A: Arr, aOff: number, B: Arr, bOff: number, K: number): number {
  let s = 0;
  for (let k = 0; k < K; k++) s += A[aOff + k] * B[bOff + k];
  return s;
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

/** The three products, as an object a model can be handed: serial here, a pool in parallel/. */
export interface GemmOps {
  nn(C: Arr, A: Arr, B: Arr, M: number, N: number, K: number): void;
  tn(C: Arr, A: Arr, B: Arr, M: number, N: number, K: number): void;
  nt(C: Arr, A: Arr, B: Arr, M: number, N: number, K: number): void;
}

export const serialGemm: GemmOps = {
  nn: (C, A, B, M, N, K) => gemmNN(C, A, B, M, N, K),
  tn: (C, A, B, M, N, K) => gemmTN(C, A, B, M, N, K),
  nt: (C, A, B, M, N, K) => gemmNT(C, A, B, M, N, K),
};

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
