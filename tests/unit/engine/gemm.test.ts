// The blocked CPU GEMMs against the textbook triple loop, on shapes that do
// and do not divide the blocking.
import { describe, expect, it } from 'vitest';
import { gemmNN, gemmNT, gemmTN } from '../../../src/engine/cpu/gemm';
import { Rng } from '../../../src/engine/rng';

const rng = new Rng(3);
const random = (n: number) => Float64Array.from({ length: n }, () => rng.uniform(-1, 1));

function naive(
  A: Float64Array,
  B: Float64Array,
  M: number,
  N: number,
  K: number,
  at: (A: Float64Array, i: number, k: number) => number,
  bt: (B: Float64Array, k: number, j: number) => number,
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
  const check = (got: Float64Array, want: Float64Array) => {
    for (let n = 0; n < want.length; n++) expect(got[n]).toBeCloseTo(want[n], 12);
  };
  it('NN: C += A·B', () => {
    const A = random(M * K);
    const B = random(K * N);
    const C = new Float64Array(M * N).fill(0.5);
    gemmNN(C, A, B, M, N, K);
    check(
      C,
      naive(
        A,
        B,
        M,
        N,
        K,
        (a, i, k) => a[i * K + k],
        (b, k, j) => b[k * N + j],
      ),
    );
  });
  it('TN: C += Aᵀ·B', () => {
    const A = random(K * M);
    const B = random(K * N);
    const C = new Float64Array(M * N).fill(0.5);
    gemmTN(C, A, B, M, N, K);
    check(
      C,
      naive(
        A,
        B,
        M,
        N,
        K,
        (a, i, k) => a[k * M + i],
        (b, k, j) => b[k * N + j],
      ),
    );
  });
  it('NT: C += A·Bᵀ', () => {
    const A = random(M * K);
    const B = random(N * K);
    const C = new Float64Array(M * N).fill(0.5);
    gemmNT(C, A, B, M, N, K);
    check(
      C,
      naive(
        A,
        B,
        M,
        N,
        K,
        (a, i, k) => a[i * K + k],
        (b, k, j) => b[j * K + k],
      ),
    );
  });
});
