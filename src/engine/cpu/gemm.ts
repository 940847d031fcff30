// Dense matrix products for the CPU reference, row-major, accumulating (+=)
// as backward passes need. Written for clarity first: i-k-j loop order so the
// inner loop walks both B and C contiguously.
//
// Shapes are given as (rows, cols); K is the shared dimension.

export type Arr = Float32Array | Float64Array;
export type ArrCtor = Float32ArrayConstructor | Float64ArrayConstructor;

/** C (M, N) += A (M, K) · B (K, N) */
export function gemmNN(C: Arr, A: Arr, B: Arr, M: number, N: number, K: number): void {
  for (let i = 0; i < M; i++) {
    const cRow = i * N;
    const aRow = i * K;
    for (let k = 0; k < K; k++) {
      const a = A[aRow + k];
      if (a === 0) continue;
      const bRow = k * N;
      for (let j = 0; j < N; j++) C[cRow + j] += a * B[bRow + j];
    }
  }
}

/** C (M, N) += Aᵀ · B, with A (K, M) and B (K, N): weight gradients summed over K positions. */
export function gemmTN(C: Arr, A: Arr, B: Arr, M: number, N: number, K: number): void {
  for (let k = 0; k < K; k++) {
    const aRow = k * M;
    const bRow = k * N;
    for (let i = 0; i < M; i++) {
      const a = A[aRow + i];
      if (a === 0) continue;
      const cRow = i * N;
      for (let j = 0; j < N; j++) C[cRow + j] += a * B[bRow + j];
    }
  }
}

/** C (M, N) += A · Bᵀ, with A (M, K) and B (N, K): gradients flowing back through a weight. */
export function gemmNT(C: Arr, A: Arr, B: Arr, M: number, N: number, K: number): void {
  for (let i = 0; i < M; i++) {
    const aRow = i * K;
    const cRow = i * N;
    for (let j = 0; j < N; j++) {
      const bRow = j * K;
      let sum = 0;
      for (let k = 0; k < K; k++) sum += A[aRow + k] * B[bRow + k];
      C[cRow + j] += sum;
    }
  }
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

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
