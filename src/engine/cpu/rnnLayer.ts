// One plain (Elman) RNN layer over a window, forward and backward (BPTT):
// h' = tanh(x·Wx + h·Wh + b). The CPU reference for the RNN kernels, and the
// cell whose gradient the gradient-flow view shows vanishing.
//
// Dimension legend: T window, B batch, X input size, H hidden.
// All arrays time-major:
//   x      (T, B, X)   layer input
//   gates  (T, B, H)   the activated output tanh(·) (the same numbers as h)
//   h      (T, B, H)   output at every step
//   h0     (B, H)      state carried in from the previous window

import { serialGemm, addRowBias, slice, sumRowsInto, type Arr, type GemmOps } from './gemm';
import type { LayerGrads, LayerTrace, LayerWeights } from './layerTypes';

export function rnnLayerForward(
  trace: LayerTrace,
  x: Arr,
  h0: Arr,
  w: LayerWeights,
  T: number,
  B: number,
  X: number,
  H: number,
  gemm: GemmOps = serialGemm,
): void {
  const { gates, h } = trace;
  gates.fill(0, 0, T * B * H);
  gemm.nn(gates, x, w.wx, T * B, H, X);
  addRowBias(gates, w.b, T * B, H);
  for (let t = 0; t < T; t++) {
    const at = slice(gates, t * B * H, (t + 1) * B * H);
    const hPrev = t === 0 ? h0 : slice(h, (t - 1) * B * H, t * B * H);
    gemm.nn(at, hPrev, w.wh, B, H, H);
    for (let bj = 0; bj < B * H; bj++) {
      const v = Math.tanh(at[bj]);
      at[bj] = v;
      h[t * B * H + bj] = v;
    }
  }
}

/**
 * Backpropagation through the window. `dh` (T, B, H) holds the loss gradient
 * w.r.t. every h from above and is consumed as scratch; no gradient enters at
 * t = T. Accumulates into `grads`, writes the input gradient into `dx`
 * (T, B, X) when given. `dGates` (T, B, H) is scratch (pre-activation gradients).
 */
export function rnnLayerBackward(
  grads: LayerGrads,
  dx: Arr | null,
  dGates: Arr,
  dh: Arr,
  trace: LayerTrace,
  x: Arr,
  h0: Arr,
  w: LayerWeights,
  T: number,
  B: number,
  X: number,
  H: number,
  gemm: GemmOps = serialGemm,
): void {
  const { h } = trace;
  for (let t = T - 1; t >= 0; t--) {
    const da = slice(dGates, t * B * H, (t + 1) * B * H);
    const dht = slice(dh, t * B * H, (t + 1) * B * H);
    for (let bj = 0; bj < B * H; bj++) {
      const v = h[t * B * H + bj];
      da[bj] = dht[bj] * (1 - v * v);
    }
    // The only path back in time: dh_{t−1} += da_t · Whᵀ. Each step multiplies
    // by Whᵀ and by tanh′ ≤ 1, which is why this gradient vanishes.
    if (t > 0) gemm.nt(slice(dh, (t - 1) * B * H, t * B * H), da, w.wh, B, H, H);
  }
  gemm.tn(grads.wx, x, dGates, X, H, T * B);
  gemm.tn(grads.wh, h0, dGates, H, H, B);
  if (T > 1) gemm.tn(grads.wh, h, slice(dGates, B * H, T * B * H), H, H, (T - 1) * B);
  sumRowsInto(grads.b, dGates, T * B, H);
  if (dx) {
    dx.fill(0, 0, T * B * X);
    gemm.nt(dx, dGates, w.wx, T * B, X, H);
  }
}
