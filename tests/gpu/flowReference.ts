// The gradient-flow probe computed on the CPU in float64 from the engine's
// gradient-checked pieces (cpu/model.ts modelForward, the cells' layer
// backward passes, head.ts): the reference the GPU's gradientFlow is tested
// against. The CPU backend's own gradientFlow is being built on another
// branch (diag); once merged, the GPU test can compare with it directly.
//
// Dimension legend: T window, B batch, E embedding, H hidden, V vocabulary,
// L layers, X layer input; N = T·B.
//   ws.dh  (T, B, H)  after a layer's backward: the whole ∂ℓ_b/∂h_t of that layer
//   dc     (T, B, H)  LSTM: ∂ℓ_b/∂c_t, rebuilt from dh_t and the trace

import type { Batch } from '../../src/engine/backend';
import { layerInputSize, type ModelConfig } from '../../src/engine/config';
import { gemmNT, slice } from '../../src/engine/cpu/gemm';
import { gruLayerBackward } from '../../src/engine/cpu/gruLayer';
import { softmaxCrossEntropyBackward } from '../../src/engine/cpu/head';
import { lstmLayerBackward } from '../../src/engine/cpu/lstmLayer';
import { modelForward, viewArena, Workspace, zeroState } from '../../src/engine/cpu/model';
import { rnnLayerBackward } from '../../src/engine/cpu/rnnLayer';
import { paramLayout } from '../../src/engine/params';

/** out[k] = mean over b of ‖g[T−1−k, b, :]‖. */
function meanStreamNorms(g: Float64Array, T: number, B: number, H: number): Float64Array {
  const out = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    let sum = 0;
    for (let b = 0; b < B; b++) {
      let sq = 0;
      for (let j = 0; j < H; j++) sq += g[(t * B + b) * H + j] ** 2;
      sum += Math.sqrt(sq);
    }
    out[T - 1 - t] = sum / B;
  }
  return out;
}

/** Per layer (bottom first) the h norms and, for the LSTM, the c norms of the last position's loss. */
export function referenceFlow(
  model: ModelConfig,
  params: Float32Array,
  batch: Batch,
): { h: Float64Array[]; c: Float64Array[] | null } {
  const { seqLen: T, batchSize: B } = batch;
  const { hiddenSize: H, vocabSize: V, layers: L, cell } = model;
  const N = T * B;
  const layout = paramLayout(model);
  const weights = viewArena(layout, Float64Array.from(params));
  const grads = viewArena(layout, new Float64Array(layout.total)); // unused here, required by the layers
  const ws = new Workspace(Float64Array, model, T, B);
  const state = zeroState(Float64Array, model, B);
  modelForward(ws, weights, batch.inputs, state);
  // Each stream's own loss at the last position, unscaled; nothing elsewhere.
  const last = (T - 1) * B * V;
  ws.logits.fill(0, 0, last);
  softmaxCrossEntropyBackward(
    ws.logits.subarray(last, N * V),
    batch.targets.subarray((T - 1) * B, N),
    B,
    V,
    1,
  );
  ws.dh.fill(0);
  gemmNT(ws.dh, ws.logits, weights.headW, N, H, V);
  const h: Float64Array[] = [];
  const c: Float64Array[] = [];
  const zeros = new Float64Array(B * H);
  for (let l = L - 1; l >= 0; l--) {
    const X = layerInputSize(model, l);
    const x = l === 0 ? ws.x0 : ws.traces[l - 1].h;
    const trace = ws.traces[l];
    const w = weights.layers[l];
    const g = grads.layers[l];
    const dh = ws.dh as Float64Array;
    if (cell === 'lstm') {
      lstmLayerBackward(g, ws.dx, ws.dGates, dh, trace, x, zeros, zeros, w, T, B, X, H);
      // dc_t = dc_{t+1}·f_{t+1} + dh_t·o_t·(1 − tanh² c_t), as the layer carries it.
      const dc = new Float64Array(N * H);
      for (let t = T - 1; t >= 0; t--) {
        for (let bj = 0; bj < B * H; bj++) {
          const at = t * B * H + bj;
          const tc = Math.tanh(trace.c[at]);
          const carried = t < T - 1 ? dc[at + B * H] * trace.gates[4 * (at + B * H) + 1] : 0;
          dc[at] = carried + dh[at] * trace.gates[4 * at + 3] * (1 - tc * tc);
        }
      }
      c.unshift(meanStreamNorms(dc, T, B, H));
    } else if (cell === 'gru') {
      gruLayerBackward(g, ws.dx, ws.dGates, ws.dGatesH, dh, trace, x, zeros, w, T, B, X, H);
    } else {
      rnnLayerBackward(g, ws.dx, ws.dGates, dh, trace, x, zeros, w, T, B, X, H);
    }
    // The layer's backward leaves the whole dh_t in dh.
    h.unshift(meanStreamNorms(dh, T, B, H));
    if (l > 0) ws.dh.set(slice(ws.dx, 0, N * H));
  }
  return { h, c: cell === 'lstm' ? c : null };
}
