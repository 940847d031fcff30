// One LSTM layer over a window, forward and backward (BPTT), in the textbook
// form of docs/architecture.md. The CPU reference: the oracle for every GPU kernel.
//
// Dimension legend: T window, B batch, X input size, H hidden.
// All arrays time-major; gate vectors interleaved per unit (4j + k, k = i,f,g,o).
//   x      (T, B, X)   layer input
//   gates  (T, B, 4H)  activated i, f, g, o
//   c, h   (T, B, H)   cell state and output at every step
//   h0, c0 (B, H)      state carried in from the previous window

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

export function lstmLayerForward(
  trace: LayerTrace,
  x: Arr,
  h0: Arr,
  c0: Arr,
  w: LayerWeights,
  T: number,
  B: number,
  X: number,
  H: number,
  gemm: GemmOps = serialGemm,
): void {
  const G = 4 * H;
  const { gates, c, h } = trace;
  // Input projection of every position at once: the big GEMM of the GPU plan.
  gates.fill(0, 0, T * B * G);
  gemm.nn(gates, x, w.wx, T * B, G, X);
  addRowBias(gates, w.b, T * B, G);
  for (let t = 0; t < T; t++) {
    const gt = slice(gates, t * B * G, (t + 1) * B * G);
    const hPrev = t === 0 ? h0 : slice(h, (t - 1) * B * H, t * B * H);
    const cPrev = t === 0 ? c0 : slice(c, (t - 1) * B * H, t * B * H);
    gemm.nn(gt, hPrev, w.wh, B, G, H);
    // The wasm kernel's fast path (GemmOps.lstmCells) may take the first units.
    const done =
      gemm.lstmCells?.(
        gt,
        cPrev,
        slice(c, t * B * H, (t + 1) * B * H),
        slice(h, t * B * H, (t + 1) * B * H),
        B * H,
      ) ?? 0;
    for (let bj = done; bj < B * H; bj++) {
      const q = 4 * bj;
      const i = sigmoid(gt[q]);
      const f = sigmoid(gt[q + 1]);
      const g = Math.tanh(gt[q + 2]);
      const o = sigmoid(gt[q + 3]);
      gt[q] = i;
      gt[q + 1] = f;
      gt[q + 2] = g;
      gt[q + 3] = o;
      const ct = f * cPrev[bj] + i * g;
      c[t * B * H + bj] = ct;
      h[t * B * H + bj] = o * Math.tanh(ct);
    }
  }
}

/**
 * Backpropagation through the window. `dh` (T, B, H) holds the loss gradient
 * w.r.t. every h from above; it is consumed (overwritten) as scratch. The state
 * carried out of the window is detached, so no gradient enters at t = T.
 * Accumulates into `grads` and writes the input gradient into `dx` (T, B, X)
 * when given. `dGates` (T, B, 4H) and `dcNext` (B, H) are scratch.
 */
export function lstmLayerBackward(
  grads: LayerGrads,
  dx: Arr | null,
  dGates: Arr,
  dh: Arr,
  trace: LayerTrace,
  x: Arr,
  h0: Arr,
  c0: Arr,
  w: LayerWeights,
  T: number,
  B: number,
  X: number,
  H: number,
  gemm: GemmOps = serialGemm,
  /** (B, H) scratch for the cell gradient carried back through time; a Workspace lends its own. */
  dcNext: Arr = new (trace.c.constructor as typeof Float64Array)(B * H),
  /** (T, B, H), optional: receives each step's full cell gradient ∂/∂c_t (the gradient-flow view). */
  dcOut?: Arr,
): void {
  const G = 4 * H;
  const { gates, c, h } = trace;
  dcNext.fill(0, 0, B * H);
  for (let t = T - 1; t >= 0; t--) {
    const gt = slice(gates, t * B * G, (t + 1) * B * G);
    const dgt = slice(dGates, t * B * G, (t + 1) * B * G);
    const cPrev = t === 0 ? c0 : slice(c, (t - 1) * B * H, t * B * H);
    const dht = slice(dh, t * B * H, (t + 1) * B * H);
    for (let bj = 0; bj < B * H; bj++) {
      const q = 4 * bj;
      const i = gt[q];
      const f = gt[q + 1];
      const g = gt[q + 2];
      const o = gt[q + 3];
      const tc = Math.tanh(c[t * B * H + bj]);
      const dhv = dht[bj];
      const dc = dcNext[bj] + dhv * o * (1 - tc * tc);
      dgt[q] = dc * g * i * (1 - i);
      dgt[q + 1] = dc * cPrev[bj] * f * (1 - f);
      dgt[q + 2] = dc * i * (1 - g * g);
      dgt[q + 3] = dhv * tc * o * (1 - o);
      dcNext[bj] = dc * f;
      if (dcOut) dcOut[t * B * H + bj] = dc;
    }
    // dh_{t-1} += dG_t · Whᵀ: the recurrent path, fused into the GPU step kernel.
    if (t > 0) gemm.nt(slice(dh, (t - 1) * B * H, t * B * H), dgt, w.wh, B, H, G);
  }
  // Weight gradients over all T·B positions at once.
  gemm.tn(grads.wx, x, dGates, X, G, T * B);
  gemm.tn(grads.wh, h0, dGates, H, G, B);
  if (T > 1) gemm.tn(grads.wh, h, slice(dGates, B * G, T * B * G), H, G, (T - 1) * B);
  sumRowsInto(grads.b, dGates, T * B, G);
  if (dx) {
    dx.fill(0, 0, T * B * X);
    gemm.nt(dx, dGates, w.wx, T * B, X, G);
  }
}
