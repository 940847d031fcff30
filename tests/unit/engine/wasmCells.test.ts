// The wasm kernel's LSTM cell update (gemm.wat lstmCells, reached through
// WasmGemm.lstmCells) against lstmLayer.ts's formulas computed in float64:
// every activated gate, c and h within 1e-6 (absolute: they are all O(1) or
// less, and c's scale is |f·cPrev| + |i·g|), including pre-activations far
// in the tails (±30, ±100) where σ and tanh saturate, and zero.
//
// Dimension legend: B batch, H hidden; n = B·H units, gates (n, 4)
// interleaved per unit (i, f, g, o).
import { describe, expect, it } from 'vitest';
import { sigmoid } from '../../../src/engine/cpu/gemm';
import { Arena } from '../../../src/engine/cpu/wasm/arena';
import { loadGemmKernel } from '../../../src/engine/cpu/wasm/compile';
import { KernelInstance, WasmGemm } from '../../../src/engine/cpu/wasm/kernel';
import { Rng } from '../../../src/engine/rng';

const kernel = await loadGemmKernel();
const rng = new Rng(21);
const TAILS = [0, 30, -30, 100, -100, 1e-4, -1e-4, 9, -9];

describe('wasm LSTM cell update', () => {
  it.each([4, 8, 105, 1024])(
    '%i units: gates, c and h within 1e-6 of the float64 formulas',
    (n) => {
      const arena = new Arena(4 * Arena.floatsFor([4 * n, n, n, n]), false);
      const gates = arena.allocate(4 * n);
      const cPrev = arena.allocate(n);
      const c = arena.allocate(n);
      const h = arena.allocate(n);
      for (let q = 0; q < 4 * n; q++) {
        gates[q] = q < TAILS.length * 4 ? TAILS[q % TAILS.length] : rng.uniform(-8, 8);
      }
      for (let u = 0; u < n; u++) cPrev[u] = rng.uniform(-20, 20);
      const pre = gates.slice();
      const gemm = new WasmGemm(kernel!, new KernelInstance(kernel!.private, arena.memory, 0, 0));
      const done = gemm.lstmCells(gates, cPrev, c, h, n);
      expect(done).toBe(n - (n % 4));
      let worst = 0;
      for (let u = 0; u < done; u++) {
        const i = sigmoid(pre[4 * u]);
        const f = sigmoid(pre[4 * u + 1]);
        const g = Math.tanh(pre[4 * u + 2]);
        const o = sigmoid(pre[4 * u + 3]);
        const ct = f * cPrev[u] + i * g;
        const want = [i, f, g, o];
        for (let k = 0; k < 4; k++) worst = Math.max(worst, Math.abs(gates[4 * u + k] - want[k]));
        const cScale = Math.abs(f * cPrev[u]) + Math.abs(i * g) + 1;
        worst = Math.max(worst, Math.abs(c[u] - ct) / cScale);
        worst = Math.max(worst, Math.abs(h[u] - o * Math.tanh(ct)));
      }
      expect(worst).toBeLessThan(1e-6);
      // Units past the last whole four are left to the caller, untouched.
      for (let u = done; u < n; u++) {
        expect(c[u]).toBe(0);
        expect(gates[4 * u]).toBe(pre[4 * u]);
      }
    },
  );

  it('leaves arrays outside its memory to the caller', () => {
    const arena = new Arena(64, false);
    const gemm = new WasmGemm(kernel!, new KernelInstance(kernel!.private, arena.memory, 0, 0));
    const n = 8;
    const outside = () => new Float32Array(4 * n);
    expect(gemm.lstmCells(outside(), outside(), outside(), outside(), n)).toBe(0);
  });
});
