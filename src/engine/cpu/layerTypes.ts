// What every CPU recurrent layer (lstmLayer, gruLayer, rnnLayer) reads and
// writes: its weights, its gradient, and the trace of a forward pass that
// backward replays.
//
// Dimension legend: T window, B batch, X input size, H hidden, G gate
// columns (cells.ts: 4H LSTM, 3H GRU, H RNN).

import type { Arr } from './gemm';

export interface LayerWeights {
  wx: Arr; // (X, G)
  wh: Arr; // (H, G)
  b: Arr; // (G)
  /** GRU only: b_hn (H). */
  bhn?: Arr;
}

/** A layer's gradient has its weights' shape, tensor for tensor. */
export type LayerGrads = LayerWeights;

export interface LayerTrace {
  gates: Arr; // (T, B, G) activated gates (RNN: the output itself)
  /** LSTM: cell state (T, B, H); empty for the other cells. */
  c: Arr;
  /** GRU: h_{t−1}·Whn + bhn (T, B, H), what r scaled; empty for the other cells. */
  hn: Arr;
  h: Arr; // (T, B, H)
}
