// Gate layout conversions between gatescope's parameter arena and the blocked
// layouts of other tools. In the arena (see src/engine/params.ts) a cell's G
// gates (LSTM 4, GRU 3, RNN 1) are INTERLEAVED per unit: column G·j + k of an
// (X, G·H) matrix is gate k of unit j (LSTM k = i, f, g, o; GRU k = r, z, n).
// The other tools stack whole gate BLOCKS:
//   PyTorch  (G·H, X)  rows   b·H + j, blocks i, f, g, o  |  r, z, n
//   Keras    (X, G·H)  cols   b·H + j, blocks i, f, c, o  |  z, r, h
//   ONNX     (G·H, X)  rows   b·H + j, blocks i, o, f, c  |  z, r, h
// An order names, for each output block, the arena gate it takes; its length
// is G. Every conversion is a pure permutation (and for PyTorch/ONNX a
// transpose), so export → import gives back the same floats bit for bit.
//
// Dimension legend: X input size of a layer (E for layer 0, H above), H hidden,
// G gates per unit.

import type { CellType } from '../engine/cells';

/** For each output block, the arena gate index k it takes (length G). */
export type GateOrder = readonly number[];

export const PYTORCH_ORDER: GateOrder = [0, 1, 2, 3]; // i, f, g, o
export const KERAS_ORDER: GateOrder = [0, 1, 2, 3]; // i, f, c, o
export const ONNX_ORDER: GateOrder = [0, 3, 1, 2]; // i, o, f, c

/** Each tool's block order per cell (the RNN has one block). */
export const GATE_ORDERS: Readonly<
  Record<'pytorch' | 'keras' | 'onnx', Readonly<Record<CellType, GateOrder>>>
> = {
  pytorch: { lstm: PYTORCH_ORDER, gru: [0, 1, 2], rnn: [0] }, // r, z, n
  keras: { lstm: KERAS_ORDER, gru: [1, 0, 2], rnn: [0] }, // z, r, h
  onnx: { lstm: ONNX_ORDER, gru: [1, 0, 2], rnn: [0] }, // z, r, h
};

/** Arena (X, G·H) interleaved → (G·H, X) blocked rows (PyTorch weight_ih/hh, ONNX W/R). */
export function interleavedToBlockedRows(
  src: Float32Array, // (X, G·H) interleaved
  X: number,
  H: number,
  order: GateOrder,
): Float32Array {
  const G = order.length;
  const out = new Float32Array(G * H * X); // (G·H, X)
  for (let b = 0; b < G; b++) {
    const k = order[b];
    for (let j = 0; j < H; j++) {
      const row = (b * H + j) * X;
      for (let x = 0; x < X; x++) out[row + x] = src[x * G * H + G * j + k];
    }
  }
  return out;
}

/** Inverse of interleavedToBlockedRows: (G·H, X) blocked rows → arena (X, G·H) interleaved. */
export function blockedRowsToInterleaved(
  src: Float32Array, // (G·H, X) blocked
  X: number,
  H: number,
  order: GateOrder,
): Float32Array {
  const G = order.length;
  const out = new Float32Array(X * G * H); // (X, G·H)
  for (let b = 0; b < G; b++) {
    const k = order[b];
    for (let j = 0; j < H; j++) {
      const row = (b * H + j) * X;
      for (let x = 0; x < X; x++) out[x * G * H + G * j + k] = src[row + x];
    }
  }
  return out;
}

/** Arena (X, G·H) interleaved → (X, G·H) blocked columns (Keras kernel/recurrent_kernel). */
export function interleavedToBlockedCols(
  src: Float32Array, // (X, G·H) interleaved
  X: number,
  H: number,
  order: GateOrder,
): Float32Array {
  const G = order.length;
  const out = new Float32Array(X * G * H); // (X, G·H)
  for (let x = 0; x < X; x++) {
    const base = x * G * H;
    for (let b = 0; b < G; b++) {
      const k = order[b];
      for (let j = 0; j < H; j++) out[base + b * H + j] = src[base + G * j + k];
    }
  }
  return out;
}

/** Arena (G·H) interleaved bias → (G·H) blocked. */
export function interleavedToBlockedBias(
  src: Float32Array,
  H: number,
  order: GateOrder,
): Float32Array {
  const G = order.length;
  const out = new Float32Array(G * H);
  for (let b = 0; b < G; b++) for (let j = 0; j < H; j++) out[b * H + j] = src[G * j + order[b]];
  return out;
}

/** (G·H) blocked bias → arena (G·H) interleaved. */
export function blockedBiasToInterleaved(
  src: Float32Array,
  H: number,
  order: GateOrder,
): Float32Array {
  const G = order.length;
  const out = new Float32Array(G * H);
  for (let b = 0; b < G; b++) for (let j = 0; j < H; j++) out[G * j + order[b]] = src[b * H + j];
  return out;
}

/** Row-major (R, C) → (C, R). */
export function transpose(src: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c];
  return out;
}
