// The CPU gradient-flow probe (Backend.gradientFlow): its per-step norms
// against central finite differences in float64 for every cell (a one-layer
// model stepped one character at a time, the state perturbed between steps),
// its group norms against the gradient-checked full backward, the float32
// backend against float64, and the vanishing gradient itself: for a plain
// RNN with small weights the norms fall geometrically with k.
import { describe, expect, it } from 'vitest';
import type { Batch } from '../../../src/engine/backend';
import { CELL_TYPES, type CellType } from '../../../src/engine/cells';
import type { ModelConfig } from '../../../src/engine/config';
import { CpuBackend } from '../../../src/engine/cpu/backend';
import type { Arr } from '../../../src/engine/cpu/gemm';
import { gradientFlowOf, groupNorms } from '../../../src/engine/cpu/gradientFlow';
import {
  carryState,
  modelForward,
  modelForwardBackward,
  viewArena,
  Workspace,
  zeroState,
  type ModelView,
} from '../../../src/engine/cpu/model';
import { initParams, paramLayout } from '../../../src/engine/params';
import { Rng } from '../../../src/engine/rng';

const T = 5;
const B = 3;

function setup(model: ModelConfig, scale: number, seed = 3, seqLen = T, batch = B) {
  const rng = new Rng(seed);
  const layout = paramLayout(model);
  const params = Float64Array.from(initParams(model, rng), (x) => x * scale);
  const n = seqLen * batch;
  const inputs = Int32Array.from({ length: n }, () => rng.int(model.vocabSize));
  const targets = Int32Array.from({ length: n }, () => rng.int(model.vocabSize));
  const b: Batch = { inputs, targets, seqLen, batchSize: batch };
  return { layout, params, weights: viewArena(layout, params), batch: b };
}

/** Stream b's cross-entropy at the last position, from the top h (B, H) through the head. */
function lastLosses(w: ModelView, h: Arr, targets: Int32Array, m: ModelConfig): number[] {
  const { hiddenSize: H, vocabSize: V } = m;
  return Array.from({ length: B }, (_, b) => {
    const logits = Array.from({ length: V }, (_, v) => {
      let s = w.headB[v];
      for (let j = 0; j < H; j++) s += h[b * H + j] * w.headW[j * V + v];
      return s;
    });
    const max = Math.max(...logits);
    const lse = Math.log(logits.reduce((a, x) => a + Math.exp(x - max), 0)) + max;
    return lse - logits[targets[(T - 1) * B + b]];
  });
}

/**
 * ℓ_b for every stream after the one-layer model ran the window one step at a
 * time, with unit j of h_t (or, `cell`, of the LSTM's c_t, h_t following it)
 * moved by `delta` in every stream.
 */
function perturbedLosses(
  m: ModelConfig,
  w: ModelView,
  batch: Batch,
  t0: number,
  j: number,
  delta: number,
  target: 'h' | 'c',
): number[] {
  const H = m.hiddenSize;
  const ws = new Workspace(Float64Array, m, 1, B);
  const state = zeroState(Float64Array, m, B);
  for (let t = 0; t < T; t++) {
    modelForward(ws, w, batch.inputs.subarray(t * B, (t + 1) * B), state);
    carryState(ws, state);
    if (t !== t0) continue;
    for (let b = 0; b < B; b++) {
      const n = b * H + j;
      if (target === 'h') state.h[n] += delta;
      else {
        // h_t = o_t·tanh(c_t): the moved c reaches the loss through both.
        state.c[n] += delta;
        state.h[n] = ws.traces[0].gates[4 * n + 3] * Math.tanh(state.c[n]);
      }
    }
  }
  return lastLosses(w, state.h, batch.targets, m);
}

/** out[k] = mean over b of ‖∂ℓ_b/∂x_{T−1−k}‖ by central differences. */
function numericFlow(m: ModelConfig, w: ModelView, batch: Batch, target: 'h' | 'c'): number[] {
  const H = m.hiddenSize;
  const eps = 1e-5;
  const out: number[] = [];
  for (let k = 0; k < T; k++) {
    const t = T - 1 - k;
    const sq = new Array<number>(B).fill(0);
    for (let j = 0; j < H; j++) {
      const up = perturbedLosses(m, w, batch, t, j, eps, target);
      const down = perturbedLosses(m, w, batch, t, j, -eps, target);
      for (let b = 0; b < B; b++) sq[b] += ((up[b] - down[b]) / (2 * eps)) ** 2;
    }
    out.push(sq.reduce((a, s) => a + Math.sqrt(s), 0) / B);
  }
  return out;
}

describe.each(CELL_TYPES)('CPU gradient flow, %s', (cell: CellType) => {
  const model: ModelConfig = { cell, vocabSize: 6, embedSize: 3, hiddenSize: 4, layers: 1 };

  it('per-step norms match central finite differences in float64 (rel. err ≤ 1e-6)', () => {
    const { layout, weights, batch } = setup(model, 2);
    const flow = gradientFlowOf(
      Float64Array,
      new Workspace(Float64Array, model, T, B),
      layout,
      weights,
      batch,
    );
    const targets: ('h' | 'c')[] = cell === 'lstm' ? ['h', 'c'] : ['h'];
    expect(flow.c === null).toBe(cell !== 'lstm');
    for (const target of targets) {
      const numeric = numericFlow(model, weights, batch, target);
      const analytic = target === 'h' ? flow.h[0] : flow.c![0];
      for (let k = 0; k < T; k++) {
        expect(numeric[k], `${target} k=${k} nonzero`).toBeGreaterThan(0);
        expect(Math.abs(analytic[k] - numeric[k]) / numeric[k], `${target} k=${k}`).toBeLessThan(
          1e-6,
        );
      }
    }
  });

  it('group norms are those of the mean-loss gradient; the float32 backend agrees', async () => {
    const deep: ModelConfig = { ...model, layers: 2 };
    const { layout, params, weights, batch } = setup(deep, 1.5);
    const grads = new Float64Array(layout.total);
    const zero = zeroState(Float64Array, deep, B);
    modelForwardBackward(
      new Workspace(Float64Array, deep, T, B),
      weights,
      viewArena(layout, grads),
      batch.inputs,
      batch.targets,
      zero,
    );
    const expected = groupNorms(layout, grads);
    const f64 = gradientFlowOf(
      Float64Array,
      new Workspace(Float64Array, deep, T, B),
      layout,
      weights,
      batch,
    );
    expect(f64.groupNorms.length).toBe(deep.layers + 2);
    for (let g = 0; g < expected.length; g++) {
      expect(expected[g]).toBeGreaterThan(0);
      expect(Math.abs(f64.groupNorms[g] - expected[g]) / expected[g]).toBeLessThan(1e-6);
    }
    const backend = new CpuBackend(deep, Float32Array.from(params), {
      batchSize: B,
      seqLen: T,
    });
    const before = await backend.getState();
    const f32 = await backend.gradientFlow(batch);
    for (let l = 0; l < deep.layers; l++) {
      for (let k = 0; k < T; k++) {
        expect(Math.abs(f32.h[l][k] - f64.h[l][k]) / f64.h[l][k]).toBeLessThan(1e-4);
        if (cell === 'lstm') {
          expect(Math.abs(f32.c![l][k] - f64.c![l][k]) / f64.c![l][k]).toBeLessThan(1e-4);
        }
      }
    }
    for (let g = 0; g < expected.length; g++) {
      expect(Math.abs(f32.groupNorms[g] - expected[g]) / expected[g]).toBeLessThan(1e-4);
    }
    // The training state is untouched: no step, same carried state, same weights.
    expect(backend.step).toBe(0);
    expect(await backend.getState()).toEqual(before);
    expect(await backend.getParams()).toEqual(Float32Array.from(params));
  });
});

it('a plain RNN with small weights: the norms fall geometrically with k', () => {
  const model: ModelConfig = { cell: 'rnn', vocabSize: 8, embedSize: 6, hiddenSize: 16, layers: 1 };
  const seqLen = 24;
  const { layout, weights, batch } = setup(model, 0.5, 11, seqLen, 4);
  const flow = gradientFlowOf(
    Float64Array,
    new Workspace(Float64Array, model, seqLen, 4),
    layout,
    weights,
    batch,
  );
  const norms = flow.h[0];
  const ratios = Array.from({ length: seqLen - 1 }, (_, k) => norms[k + 1] / norms[k]);
  // Every step back multiplies by Whᵀ·diag(tanh′): with ‖Wh‖ < 1 each factor is below 1.
  for (const r of ratios) expect(r).toBeLessThan(0.6);
  // Geometric: the log-norm is close to a straight line in k.
  const logs = Array.from(norms, Math.log);
  const slope = (logs[seqLen - 1] - logs[1]) / (seqLen - 2);
  for (let k = 1; k < seqLen; k++) {
    expect(Math.abs(logs[k] - (logs[1] + slope * (k - 1)))).toBeLessThan(0.25 * (k - 1) + 0.5);
  }
  expect(norms[seqLen - 1] / norms[0]).toBeLessThan(1e-6);
});
