// The wasm SIMD GEMM kernel (src/engine/cpu/wasm/gemm.wat) against the
// TypeScript reference (gemm.ts) on shapes that divide none of its blocking
// (4×8 tiles, K blocks of 256), for each product the engine runs, accumulating
// into zeros and into values already there. Not bit-identical to the
// reference: the kernel sums a K block in float32, gemm.ts in float64, so the
// bound is relative to each element's magnitude scale |C₀| + Σₖ|aᵢₖ·bₖⱼ|.
// Bit-identical where the summation order is the kernel's own: operands in
// place or staged, and any split of C's rows (what GEMM threads rely on).
import { describe, expect, it } from 'vitest';
import { serialGemm, type Arr } from '../../../src/engine/cpu/gemm';
import { Arena } from '../../../src/engine/cpu/wasm/arena';
import { loadGemmKernel } from '../../../src/engine/cpu/wasm/compile';
import {
  gemmScratchBytes,
  KernelInstance,
  packedFloats,
  WasmGemm,
} from '../../../src/engine/cpu/wasm/kernel';
import { PackedWeights } from '../../../src/engine/cpu/wasm/packed';
import { Rng } from '../../../src/engine/rng';

const kernel = await loadGemmKernel();
const rng = new Rng(11);
const random = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));

type Op = 'nn' | 'tn' | 'nt';
/** Element (i, k) of op(A) and (k, j) of op(B), for the magnitude scale. */
const read: Record<
  Op,
  (
    M: number,
    N: number,
    K: number,
  ) => [(a: Arr, i: number, k: number) => number, (b: Arr, k: number, j: number) => number]
> = {
  nn: (_M, N, K) => [(a, i, k) => a[i * K + k], (b, k, j) => b[k * N + j]],
  tn: (M, N) => [(a, i, k) => a[k * M + i], (b, k, j) => b[k * N + j]],
  nt: (_M, _N, K) => [(a, i, k) => a[i * K + k], (b, k, j) => b[j * K + k]],
};

/** Largest |wasm − ts| over an element's magnitude scale. */
function worstRelative(
  op: Op,
  got: Arr,
  want: Arr,
  C0: Arr,
  A: Arr,
  B: Arr,
  M: number,
  N: number,
  K: number,
) {
  const [ra, rb] = read[op](M, N, K);
  let worst = 0;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let scale = Math.abs(C0[i * N + j]);
      for (let k = 0; k < K; k++) scale += Math.abs(ra(A, i, k) * rb(B, k, j));
      const d = Math.abs(got[i * N + j] - want[i * N + j]);
      if (d > 0) worst = Math.max(worst, d / scale);
    }
  }
  return worst;
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 17],
  [5, 17, 3],
  [17, 37, 65],
  [37, 65, 130],
  [65, 130, 1],
  [130, 1, 37],
  [130, 130, 130],
  [37, 17, 300], // two K blocks, the second partial
];

const sizes = (op: Op, M: number, N: number, K: number): [number, number] =>
  op === 'nt' ? [M * K, N * K] : [M * K, K * N];

describe('wasm GEMM kernel', () => {
  it('compiles here (WebAssembly SIMD)', () => {
    expect(kernel).not.toBeNull();
  });

  describe.each(SHAPES)('M=%i N=%i K=%i', (M, N, K) => {
    describe.each(['nn', 'tn', 'nt'] as Op[])('%s', (op) => {
      it.each([
        ['into zeros', false],
        ['accumulating', true],
      ])('within 1e-6 of the TypeScript reference, %s', (_label, accumulate) => {
        const [aSize, bSize] = sizes(op, M, N, K);
        const A = random(aSize);
        const B = random(bSize);
        const C0 = accumulate ? random(M * N) : new Float32Array(M * N);
        const want = C0.slice();
        serialGemm[op](want, A, B, M, N, K);
        const got = C0.slice();
        new WasmGemm(kernel!)[op](got, A, B, M, N, K);
        expect(worstRelative(op, got, want, C0, A, B, M, N, K)).toBeLessThan(1e-6);
      });

      it('bit-identical in place, staged, and split into row ranges', () => {
        const [aSize, bSize] = sizes(op, M, N, K);
        const C0 = random(M * N);
        const A0 = random(aSize);
        const B0 = random(bSize);
        const staged = C0.slice();
        new WasmGemm(kernel!)[op](staged, A0, B0, M, N, K);

        const arena = new Arena(
          4 * Arena.floatsFor([M * N, aSize, bSize]) + gemmScratchBytes(N),
          false,
        );
        const [C, A, B] = [C0, A0, B0].map((x) => {
          const y = arena.allocate(x.length);
          y.set(x);
          return y;
        });
        const scratch = gemmScratchBytes(N);
        const resident = new KernelInstance(
          kernel!.private,
          arena.memory,
          arena.allocateBytes(scratch),
          scratch,
        );
        expect(resident.takes(C, A, B, N)).toBe(true);
        const gemm = new WasmGemm(kernel!, resident);
        // Rows in three uneven shares, as three threads would take them.
        const cuts = [0, Math.floor(M / 3), Math.floor((2 * M) / 3) + (M > 1 ? 1 : 0), M];
        for (let s = 0; s < 3; s++)
          gemm[op](C, A, B, M, N, K, cuts[s], Math.max(cuts[s], Math.min(M, cuts[s + 1])));
        expect(Array.from(C)).toEqual(Array.from(staged));
      });
    });
  });

  // A weight packed once (PackedWeights, gemm.wat `pack`) and read by op NP
  // must give the very bits of the product that packs it itself.
  describe.each(SHAPES)('packed once, M=%i N=%i K=%i', (M, N, K) => {
    it.each(['nn', 'nt'] as const)('%s: bit-identical to packing per product', (op) => {
      const [aSize, bSize] = sizes(op, M, N, K);
      const scratch = gemmScratchBytes(N);
      const arena = new Arena(
        4 * Arena.floatsFor([M * N, M * N, M * N, aSize, bSize, packedFloats(N, K)]) + scratch,
        false,
      );
      const C0 = random(M * N);
      const [C, Cp, A, B] = [C0, C0, random(aSize), random(bSize)].map((x) => {
        const y = arena.allocate(x.length);
        y.set(x);
        return y;
      });
      const resident = new KernelInstance(
        kernel!.private,
        arena.memory,
        arena.allocateBytes(scratch),
        scratch,
      );
      const packs = new PackedWeights(arena);
      packs.add(B, op === 'nt', N, K);
      const gemm = new WasmGemm(kernel!, resident, packs);
      gemm[op](C, A, B, M, N, K); // not held: packs per product
      expect(packs.find(B, op === 'nt', N, K)).toBeNull();
      packs.hold(resident);
      const panels = packs.find(B, op === 'nt', N, K);
      expect(panels).not.toBeNull();
      // The other layout of the same weight was not packed, so it is not found.
      expect(packs.find(B, op !== 'nt', N, K)).toBeNull();
      gemm[op](Cp, A, B, M, N, K);
      packs.release();
      expect(Array.from(Cp)).toEqual(Array.from(C));
      // And in row shares, as the GEMM threads run op NP.
      const shares = C0.slice();
      const split = arena.allocate(M * N);
      split.set(shares);
      const cut = Math.floor(M / 2);
      gemm.np(split, A, panels!, M, N, K, 0, cut);
      gemm.np(split, A, panels!, M, N, K, cut, M);
      expect(Array.from(split)).toEqual(Array.from(C));
    });
  });
});
