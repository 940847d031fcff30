// The gradient-flow probe on the GPU (Backend.gradientFlow): how far the
// gradient of the window's last prediction reaches back through time, per
// layer, and the size of the training gradient per parameter group; as the
// CPU computes it. One program, one submit, one readback:
//
//   zero state → forward → loss, unscaled, then dlogits cleared but for the
//   last position (each stream's own ℓ_b: streams never mix, so one backward
//   gives every stream's gradient) → the training BPTT, with after each
//   layer's recurrence a flow_norms dispatch over the whole dh_t the kernels
//   leave in dH (and one over the LSTM's dc_t in cAll) → forward again (BPTT
//   overwrote the gates) → the mean loss over all positions → BPTT into the
//   gradient arena.
//
// The host reads the norms (2·L·T floats) and the whole gradient arena (P
// floats) back together and sums the groups' squares itself: a readback of P
// floats is acceptable at the probe's cadence (a gate snapshot, not a
// training step). Nothing carried is read or written: the training state is
// untouched.
//
// Dimension legend: T window, B batch, H hidden, V vocabulary, L layers;
// N = T·B; Vs = V padded to a multiple of 4 (params.ts).

import { CELLS } from '../cells';
import { headColumns, type ParamLayout, type TensorSpec } from '../params';
import {
  recordBackward,
  recordForward,
  recordLoss,
  type PassContext,
  type WindowShape,
} from './passes';
import type { Recorder } from './program';

/** Offset in arena.flow of layer l's h norms (c: of layer L + l), for a window of T. */
export function flowOffset(l: number, T: number): number {
  return l * T;
}

export function recordGradientFlow(rec: Recorder, ctx: PassContext, shape: WindowShape): void {
  const { arena, model } = ctx;
  const { T, B } = shape;
  const { hiddenSize: H, layers: L } = model;
  const carriesCell = CELLS[model.cell].carriesCell;
  const bytes = B * H * 4;
  for (const layer of arena.layers) {
    rec.clear(layer.hAll, 0, bytes);
    if (carriesCell) rec.clear(layer.cAll, 0, bytes);
  }
  recordForward(rec, ctx, shape);
  // ∂ℓ_b/∂logits at t = T − 1 with ℓ_b unscaled; rows are time-major, so the last
  // position's B rows are the last ones and everything before them is cleared.
  recordLoss(rec, ctx, shape, 1);
  rec.clear(arena.logits, 0, (T - 1) * B * headColumns(ctx.layout) * 4);
  recordBackward(rec, ctx, shape, (l) => {
    const norms = (src: GPUBuffer, srcOffset: number, outOffset: number) =>
      rec.dispatch({
        kernel: 'flow_norms',
        uniforms: { T, B, H, srcOffset, outOffset },
        buffers: [src, arena.flow],
        workgroups: [Math.ceil(T / 64)],
      });
    norms(arena.dH, 0, flowOffset(l, T));
    // cAll slot t + 1 holds dc_t after the LSTM's BPTT.
    if (carriesCell) norms(arena.layers[l].cAll, B * H, flowOffset(L + l, T));
  });
  recordForward(rec, ctx, shape);
  recordLoss(rec, ctx, shape);
  recordBackward(rec, ctx, shape);
}

/** (L + 2): ‖grads‖ over the embedding, each layer's tensors together, the head. */
export function groupNorms(layout: ParamLayout, grads: Float32Array): Float32Array {
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
