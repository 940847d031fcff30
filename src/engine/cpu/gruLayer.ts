// One GRU layer over a window, forward and backward (BPTT), with PyTorch's
// equations (cells.ts): r = σ(ax_r + ah_r), z = σ(ax_z + ah_z),
// n = tanh(ax_n + r ⊙ hn), h' = (1 − z) ⊙ n + z ⊙ h, where ax = x·Wx + b,
// ah = h·Wh and hn = ah_n + bhn. The CPU reference for the GRU kernels.
//
// Dimension legend: T window, B batch, X input size, H hidden.
// All arrays time-major; gate vectors interleaved per unit (3j + k, k = r,z,n).
//   x      (T, B, X)   layer input
//   gates  (T, B, 3H)  activated r, z, n
//   hn     (T, B, H)   h_{t−1}·Whn + bhn: the recurrent candidate term r scales
//   h      (T, B, H)   output at every step
//   h0     (B, H)      state carried in from the previous window

import {
  serialGemm,
  sigmoid,
  addRowBias,
  slice,
  sumRowsInto,
  type Arr,
  type GemmOps,
} from './gemm';
import type { LayerGrads, LayerTrace, LayerWeights } from './layerTypes';

const GATES = 3;

export function gruLayerForward(
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
  const G = GATES * H;
  const { gates, hn, h } = trace;
  const bhn = w.bhn!;
  gates.fill(0, 0, T * B * G);
  gemm.nn(gates, x, w.wx, T * B, G, X);
  addRowBias(gates, w.b, T * B, G);
  for (let t = 0; t < T; t++) {
    const gt = slice(gates, t * B * G, (t + 1) * B * G);
    const hnt = slice(hn, t * B * H, (t + 1) * B * H);
    const hPrev = t === 0 ? h0 : slice(h, (t - 1) * B * H, t * B * H);
    // h·Wh accumulates straight into this step's gates, as in the LSTM: no
    // separate (B, 3H) scratch to zero and re-read, and the product writes
    // arrays a thread pool shares. Only ax_n must stay apart from ah_n (r
    // scales ah_n alone), so it waits in hn's slot, and its column restarts at 0.
    for (let bj = 0; bj < B * H; bj++) {
      hnt[bj] = gt[GATES * bj + 2];
      gt[GATES * bj + 2] = 0;
    }
    gemm.nn(gt, hPrev, w.wh, B, G, H);
    for (let b = 0, bj = 0; b < B; b++) {
      for (let j = 0; j < H; j++, bj++) {
        const q = GATES * bj;
        const r = sigmoid(gt[q]);
        const z = sigmoid(gt[q + 1]);
        const recurrent = gt[q + 2] + bhn[j];
        const n = Math.tanh(hnt[bj] + r * recurrent);
        gt[q] = r;
        gt[q + 1] = z;
        gt[q + 2] = n;
        hnt[bj] = recurrent;
        h[t * B * H + bj] = (1 - z) * n + z * hPrev[bj];
      }
    }
  }
}

/**
 * Backpropagation through the window. `dh` (T, B, H) holds the loss gradient
 * w.r.t. every h from above and is consumed as scratch. No gradient enters at
 * t = T (the carried state is detached). Accumulates into `grads`, writes the
 * input gradient into `dx` (T, B, X) when given. `dGates` (T, B, 3H) receives
 * the gradients of the input pre-activations ax, `dGatesH` (T, B, 3H) those of
 * ah (they differ in n: ah_n sits behind r).
 */
export function gruLayerBackward(
  grads: LayerGrads,
  dx: Arr | null,
  dGates: Arr,
  dGatesH: Arr,
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
  const G = GATES * H;
  const { gates, hn, h } = trace;
  const dbhn = grads.bhn!;
  for (let t = T - 1; t >= 0; t--) {
    const gt = slice(gates, t * B * G, (t + 1) * B * G);
    const dgx = slice(dGates, t * B * G, (t + 1) * B * G);
    const dgh = slice(dGatesH, t * B * G, (t + 1) * B * G);
    const hPrev = t === 0 ? h0 : slice(h, (t - 1) * B * H, t * B * H);
    const dht = slice(dh, t * B * H, (t + 1) * B * H);
    const dhPrev = t > 0 ? slice(dh, (t - 1) * B * H, t * B * H) : null;
    for (let b = 0, bj = 0; b < B; b++) {
      for (let j = 0; j < H; j++, bj++) {
        const q = GATES * bj;
        const r = gt[q];
        const z = gt[q + 1];
        const n = gt[q + 2];
        const dhv = dht[bj];
        const dn = dhv * (1 - z) * (1 - n * n);
        const dz = dhv * (hPrev[bj] - n) * z * (1 - z);
        const dr = dn * hn[t * B * H + bj] * r * (1 - r);
        dgx[q] = dr;
        dgx[q + 1] = dz;
        dgx[q + 2] = dn;
        dgh[q] = dr;
        dgh[q + 1] = dz;
        dgh[q + 2] = dn * r;
        dbhn[j] += dn * r;
        // The direct path h' = … + z ⊙ h.
        if (dhPrev) dhPrev[bj] += dhv * z;
      }
    }
    if (dhPrev) gemm.nt(dhPrev, dgh, w.wh, B, H, G);
  }
  gemm.tn(grads.wx, x, dGates, X, G, T * B);
  gemm.tn(grads.wh, h0, dGatesH, H, G, B);
  if (T > 1) gemm.tn(grads.wh, h, slice(dGatesH, B * G, T * B * G), H, G, (T - 1) * B);
  sumRowsInto(grads.b, dGates, T * B, G);
  if (dx) {
    dx.fill(0, 0, T * B * X);
    gemm.nt(dx, dGates, w.wx, T * B, X, G);
  }
}
