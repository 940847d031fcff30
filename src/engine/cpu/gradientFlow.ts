// The gradient-flow probe on the CPU (Backend.gradientFlow): how far the
// gradient of the window's last prediction reaches back through time, per
// layer, and the size of the training gradient per parameter group. Generic
// over Float32Array and Float64Array, so the float64 run is the test's oracle.
//
// Dimension legend: T window, B batch, H hidden, O head outputs (task.ts outputSize), L layers.
//   ws.logits  (T, B, O)  logits, then dlogits seeded at t = T − 1 only
//   ws.dh      (T, B, H)  after a layer's BPTT: ∂ℓ_b/∂h_t of that layer
//   dc         (T, B, H)  LSTM: ∂ℓ_b/∂c_t of the layer just done

import type { Batch, GradientFlow } from '../backend';
import type { ParamLayout, TensorSpec } from '../params';
import type { RecurrentState } from '../state';
import type { Arr, ArrCtor } from './gemm';
import {
  batchInput,
  batchTargets,
  lossTerms,
  modelBackward,
  modelForward,
  viewArena,
  type ModelView,
  type Workspace,
} from './model';
import { softmaxCrossEntropyBackward, squaredErrorBackward } from './head';
import { directionCount, lossKind, outputSize } from '../task';

/**
 * From zero state over `batch`: per layer the mean over streams b of
 * ‖∂ℓ_b/∂h_{T−1−k}‖ (ℓ_b stream b's loss at the last position: cross-entropy,
 * or a forecast's squared error over its Co values), the
 * LSTM's ‖∂ℓ_b/∂c_{T−1−k}‖ the same way, and ‖∂L/∂θ‖ per parameter group of
 * the mean loss over all positions. `weights` is read, nothing else is touched.
 * Left-to-right models only: a bidirectional model has no single last
 * position whose gradient runs back through both directions (throws).
 */
export function gradientFlowOf(
  ctor: ArrCtor,
  ws: Workspace,
  layout: ParamLayout,
  weights: ModelView,
  batch: Batch,
): GradientFlow {
  const { model: m, T, B } = ws;
  if (directionCount(m) === 2) {
    throw new Error('the gradient-flow view follows left-to-right models only');
  }
  const { hiddenSize: H, layers: L } = m;
  const O = outputSize(m);
  const inputs = batchInput(m, batch);
  const targets = batchTargets(m, batch);
  const mse = lossKind(m) === 'meanSquaredError';
  const N = T * B;
  const state: RecurrentState<Arr> = {
    h: new ctor(L * B * H),
    c: new ctor(L * B * H),
  };
  modelForward(ws, weights, inputs, state);
  // One forward serves both backward passes: the second restores these logits.
  const logits = ws.logits.slice(0, N * O);

  // 1. Only the last position's loss, each stream's own (unscaled): the streams never mix,
  //    so one backward gives every stream's gradient at once.
  const last = (T - 1) * B * O;
  ws.logits.fill(0, 0, last);
  const lastOut = ws.logits.subarray(last, N * O);
  if (mse) squaredErrorBackward(lastOut, targets.subarray(last, N * O), B * O, 1);
  else softmaxCrossEntropyBackward(lastOut, (targets as Int32Array).subarray(last / O, N), B, O, 1);
  const lstm = m.cell === 'lstm';
  const h = Array.from({ length: L }, () => new Float32Array(T));
  const c = lstm ? Array.from({ length: L }, () => new Float32Array(T)) : null;
  const dc = lstm ? new ctor(N * H) : undefined;
  const scratch = viewArena(layout, new ctor(layout.total));
  modelBackward(ws, weights, scratch, inputs, state, {
    dc,
    layerDone: (l) => {
      meanStreamNorms(ws.dh, T, B, H, h[l]);
      if (c && dc) meanStreamNorms(dc, T, B, H, c[l]);
    },
  });

  // 2. The training loss (mean over all T·B positions) and its gradient per group.
  const grads = new ctor(layout.total);
  ws.logits.set(logits);
  const terms = lossTerms(m, T, B);
  if (mse) squaredErrorBackward(ws.logits, targets, terms, 1 / terms);
  else softmaxCrossEntropyBackward(ws.logits, targets as Int32Array, N, O, 1 / N);
  modelBackward(ws, weights, viewArena(layout, grads), inputs, state);
  return { h, c, groupNorms: groupNorms(layout, grads) };
}

/** out[k] = mean over b of ‖g[T−1−k, b, :]‖ for g (T, B, H): k counts back from the last step. */
function meanStreamNorms(g: Arr, T: number, B: number, H: number, out: Float32Array): void {
  for (let t = 0; t < T; t++) {
    let sum = 0;
    for (let b = 0; b < B; b++) {
      const row = (t * B + b) * H;
      let sq = 0;
      for (let j = 0; j < H; j++) sq += g[row + j] * g[row + j];
      sum += Math.sqrt(sq);
    }
    out[T - 1 - t] = sum / B;
  }
}

/** (L + 2): ‖grads‖ over the embedding, each layer's tensors together, the head. */
export function groupNorms(layout: ParamLayout, grads: Arr): Float32Array {
  const groups: TensorSpec[][] = [
    [layout.embedding],
    ...layout.layers.map((l) => [l.wx, l.wh, l.b, ...(l.bhn ? [l.bhn] : [])]),
    [layout.headW, layout.headB],
  ];
  return Float32Array.from(groups, (tensors) => {
    let sq = 0;
    for (const t of tensors) {
      for (let n = t.offset; n < t.offset + t.size; n++) sq += grads[n] * grads[n];
    }
    return Math.sqrt(sq);
  });
}
