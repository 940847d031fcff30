// The blocked CPU GEMMs against the textbook triple loop, on shapes that do
// and do not divide the blocking.
import { describe, expect, it } from 'vitest';
import { gemmNN, gemmNT, gemmTN } from '../../../src/engine/cpu/gemm';
import { Rng } from '../../../src/engine/rng';

const rng = new Rng(3);
const random = (n: number) => Float64Array.from({ length: n }, () => rng.uniform(-1, 1));

/** Reads element (row, col) of op(X), X stored plain or transposed. */
type Element = (X: Float64Array, row: number, col: number) => number;

function naive(
  A: Float64Array,
  B: Float64Array,
  M: number,
  N: number,
  K: number,
  at: Element, // (A, i, k) → element (i, k) of op(A)
  bt: Element, // (B, k, j) → element (k, j) of op(B)
) {
  const C = new Float64Array(M * N).fill(0.5);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++)
      for (let k = 0; k < K; k++) C[i * N + j] += at(A, i, k) * bt(B, k, j);
  return C;
}

describe.each([
  [1, 1, 1],
  [3, 5, 7],
  [4, 8, 4],
  [9, 13, 6],
  [16, 12, 11],
])('GEMM M=%i N=%i K=%i', (M, N, K) => {
  /** C = 0.5 + op(A)·op(B) by `gemm` against the triple loop reading A and B through `at` and `bt`. */
  const check = (gemm: typeof gemmNN, aSize: number, bSize: number, at: Element, bt: Element) => {
    const A = random(aSize);
    const B = random(bSize);
    const C = new Float64Array(M * N).fill(0.5);
    gemm(C, A, B, M, N, K);
    const want = naive(A, B, M, N, K, at, bt);
    for (let n = 0; n < want.length; n++) expect(C[n]).toBeCloseTo(want[n], 12);
  };
  it('NN: C += A·B', () =>
    check(
      gemmNN,
      M * K,
      K * N,
      (a, i, k) => a[i * K + k],
      (b, k, j) => b[k * N + j],
    ));
  it('TN: C += Aᵀ·B', () =>
    check(
      gemmTN,
      K * M,
      K * N,
      (a, i, k) => a[k * M + i],
      (b, k, j) => b[k * N + j],
    ));
  it('NT: C += A·Bᵀ', () =>
    check(
      gemmNT,
      M * K,
      N * K,
      (a, i, k) => a[i * K + k],
      (b, k, j) => b[j * K + k],
    ));
});
