// What the thread pool relies on in the blocked GEMMs (src/engine/cpu/gemm.ts):
// any split of C's rows into ranges computes every element exactly as the
// whole product does (so threads change no rounding), on shapes with edge
// tiles and a shared dimension longer than one K block, and the blocked
// products still equal the textbook triple loop.
import { describe, expect, it } from 'vitest';
import { gemmNN, gemmNT, gemmTN, type Arr } from '../../../src/engine/cpu/gemm';
import { Rng } from '../../../src/engine/rng';

const rng = new Rng(17);
function random(n: number, ctor: Float32ArrayConstructor | Float64ArrayConstructor) {
  const a = new ctor(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(-1, 1);
  return a;
}

type Gemm = (
  C: Arr,
  A: Arr,
  B: Arr,
  M: number,
  N: number,
  K: number,
  m0?: number,
  m1?: number,
) => void;
const KINDS: [
  string,
  Gemm,
  (a: Arr, i: number, k: number, M: number, K: number) => number,
  (b: Arr, k: number, j: number, N: number, K: number) => number,
][] = [
  ['NN', gemmNN, (a, i, k, _M, K) => a[i * K + k], (b, k, j, N) => b[k * N + j]],
  ['TN', gemmTN, (a, i, k, M) => a[k * M + i], (b, k, j, N) => b[k * N + j]],
  ['NT', gemmNT, (a, i, k, _M, K) => a[i * K + k], (b, k, j, _N, K) => b[j * K + k]],
];

// (M, N, K): edges in both directions, K over one and over two blocks of 256, N over a panel of 256.
const SHAPES: [number, number, number][] = [
  [13, 7, 5],
  [9, 263, 300],
  [22, 18, 517],
];

describe.each(KINDS)('GEMM %s', (_name, gemm, at, bt) => {
  it.each(SHAPES)('any row split of M=%i N=%i K=%i is bit-identical to the whole', (M, N, K) => {
    const A = random(M * K, Float32Array);
    const B = random(K * N, Float32Array);
    const C0 = random(M * N, Float32Array);
    const whole = C0.slice();
    gemm(whole, A, B, M, N, K);
    for (const cuts of [[1], [3, 5], [2, 7, M - 1]]) {
      const split = C0.slice();
      const bounds = [0, ...cuts.filter((c) => c > 0 && c < M), M];
      for (let s = 0; s + 1 < bounds.length; s++)
        gemm(split, A, B, M, N, K, bounds[s], bounds[s + 1]);
      expect(split).toEqual(whole);
    }
  });

  it.each(SHAPES)('equals the triple loop at M=%i N=%i K=%i (float64)', (M, N, K) => {
    const A = random(M * K, Float64Array);
    const B = random(K * N, Float64Array);
    const C = new Float64Array(M * N).fill(0.25);
    gemm(C, A, B, M, N, K);
    let worst = 0;
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0.25;
        for (let k = 0; k < K; k++) s += at(A, i, k, M, K) * bt(B, k, j, N, K);
        worst = Math.max(worst, Math.abs(C[i * N + j] - s));
      }
    expect(worst).toBeLessThan(1e-11);
  });
});
