// One recurrent layer of any cell, forward and backward, and the time reversal
// a bidirectional layer's reverse direction reads through: model.ts runs every
// direction of every layer through these, so it never names a cell.
//
// Dimension legend: T window, B batch, X layer input size, H hidden, G gate
// columns (cells.ts: 4H LSTM, 3H GRU, H RNN). Time-major (T, B, ·).
//
// The reverse direction of a bidirectional layer is the same cell run over
// the window read backwards: its input is x with the time axis reversed, its
// trace is in that reversed time (row s holds position T − 1 − s), and it
// starts from zero state. Copying into reversed scratch keeps the CPU
// reference readable and reuses the cells' forward and backward unchanged.

import type { CellType } from '../cells';
import type { Arr, GemmOps } from './gemm';
import { gruLayerBackward, gruLayerForward } from './gruLayer';
import type { LayerGrads, LayerTrace, LayerWeights } from './layerTypes';
import { lstmLayerBackward, lstmLayerForward } from './lstmLayer';
import { rnnLayerBackward, rnnLayerForward } from './rnnLayer';

/** The sizes of one layer's run over one window. */
export interface LayerShape {
  cell: CellType;
  T: number;
  B: number;
  X: number;
  H: number;
}

/** Scratch a layer's backward pass uses (a Workspace lends its own). */
export interface LayerScratch {
  dGates: Arr; // (T, B, G)
  dGatesH: Arr; // GRU: (T, B, G); else empty
  dc: Arr; // LSTM: (B, H) cell gradient carried back through time
}

/** Forward over x (T, B, X) from h0 (and the LSTM's c0), each (B, H); fills `trace`. */
export function layerForward(
  s: LayerShape,
  trace: LayerTrace,
  x: Arr,
  h0: Arr,
  c0: Arr,
  w: LayerWeights,
  gemm: GemmOps,
): void {
  const { T, B, X, H } = s;
  if (s.cell === 'lstm') lstmLayerForward(trace, x, h0, c0, w, T, B, X, H, gemm);
  else if (s.cell === 'gru') gruLayerForward(trace, x, h0, w, T, B, X, H, gemm);
  else rnnLayerForward(trace, x, h0, w, T, B, X, H, gemm);
}

/**
 * BPTT of the layer whose forward filled `trace`: `dh` (T, B, H), the loss
 * gradient w.r.t. every output, is consumed as scratch (it ends holding the
 * full gradient through time); accumulates into `grads`, writes dx (T, B, X).
 * `dcOut` (T, B, H), LSTM only, receives each step's full cell gradient.
 */
export function layerBackward(
  s: LayerShape,
  grads: LayerGrads,
  dx: Arr,
  scratch: LayerScratch,
  dh: Arr,
  trace: LayerTrace,
  x: Arr,
  h0: Arr,
  c0: Arr,
  w: LayerWeights,
  gemm: GemmOps,
  dcOut?: Arr,
): void {
  const { T, B, X, H } = s;
  const { dGates, dGatesH, dc } = scratch;
  if (s.cell === 'lstm') {
    lstmLayerBackward(grads, dx, dGates, dh, trace, x, h0, c0, w, T, B, X, H, gemm, dc, dcOut);
  } else if (s.cell === 'gru') {
    gruLayerBackward(grads, dx, dGates, dGatesH, dh, trace, x, h0, w, T, B, X, H, gemm);
  } else {
    rnnLayerBackward(grads, dx, dGates, dh, trace, x, h0, w, T, B, X, H, gemm);
  }
}

/** out[t] = src[T − 1 − t] for rows of `width` floats (t in 0..T−1); out and src distinct. */
export function reverseTime(out: Arr, src: Arr, T: number, width: number): void {
  for (let t = 0; t < T; t++) {
    const from = (T - 1 - t) * width;
    out.set(src.subarray(from, from + width), t * width);
  }
}

/**
 * The (N, 2H) output [h_fwd | h_rev] of a bidirectional layer, N = T·B:
 * forward h (T, B, H) in time order, reverse h (T, B, H) in reversed time.
 */
export function joinDirections(
  out: Arr,
  fwd: Arr,
  rev: Arr,
  T: number,
  B: number,
  H: number,
): void {
  for (let t = 0; t < T; t++) {
    const tr = T - 1 - t;
    for (let b = 0; b < B; b++) {
      const o = (t * B + b) * 2 * H;
      out.set(fwd.subarray((t * B + b) * H, (t * B + b + 1) * H), o);
      out.set(rev.subarray((tr * B + b) * H, (tr * B + b + 1) * H), o + H);
    }
  }
}

/**
 * The inverse of joinDirections for a gradient: dOut (N, 2H) into the
 * forward direction's dh (T, B, H) in time order, or (`reverse`) the reverse
 * direction's in reversed time.
 */
export function splitDirection(
  dh: Arr,
  dOut: Arr,
  T: number,
  B: number,
  H: number,
  reverse: boolean,
): void {
  for (let t = 0; t < T; t++) {
    const row = reverse ? T - 1 - t : t;
    for (let b = 0; b < B; b++) {
      const o = (t * B + b) * 2 * H + (reverse ? H : 0);
      dh.set(dOut.subarray(o, o + H), (row * B + b) * H);
    }
  }
}
