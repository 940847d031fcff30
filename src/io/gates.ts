// Gate layout conversions between gatescope's parameter arena and the blocked
// layouts of other tools. In the arena (see src/engine/params.ts) the four
// gates are INTERLEAVED per unit: column 4·j + k of a (X, 4H) matrix is gate k
// (0 i, 1 f, 2 g, 3 o) of unit j. The other tools stack whole gate BLOCKS:
//   PyTorch  (4H, X)  rows   b·H + j, blocks i, f, g, o
//   Keras    (X, 4H)  cols   b·H + j, blocks i, f, c, o (c = g)
//   ONNX     (4H, X)  rows   b·H + j, blocks i, o, f, c
// Every conversion is a pure permutation (and for PyTorch/ONNX a transpose),
// so export → import gives back the same floats bit for bit.
//
// Dimension legend: X input size of a layer (E for layer 0, H above), H hidden.

/** For each output block, the arena gate index k it takes. */
export type GateOrder = readonly [number, number, number, number];

export const PYTORCH_ORDER: GateOrder = [0, 1, 2, 3]; // i, f, g, o
export const KERAS_ORDER: GateOrder = [0, 1, 2, 3]; // i, f, c, o
export const ONNX_ORDER: GateOrder = [0, 3, 1, 2]; // i, o, f, c

/** Arena (X, 4H) interleaved → (4H, X) blocked rows (PyTorch weight_ih/hh, ONNX W/R). */
export function interleavedToBlockedRows(
  src: Float32Array, // (X, 4H) interleaved
  X: number,
  H: number,
  order: GateOrder,
): Float32Array {
  const out = new Float32Array(4 * H * X); // (4H, X)
  for (let b = 0; b < 4; b++) {
    const k = order[b];
    for (let j = 0; j < H; j++) {
      const row = (b * H + j) * X;
      for (let x = 0; x < X; x++) out[row + x] = src[x * 4 * H + 4 * j + k];
    }
  }
  return out;
}

/** Inverse of interleavedToBlockedRows: (4H, X) blocked rows → arena (X, 4H) interleaved. */
export function blockedRowsToInterleaved(
  src: Float32Array, // (4H, X) blocked
  X: number,
  H: number,
  order: GateOrder,
): Float32Array {
  const out = new Float32Array(X * 4 * H); // (X, 4H)
  for (let b = 0; b < 4; b++) {
    const k = order[b];
    for (let j = 0; j < H; j++) {
      const row = (b * H + j) * X;
      for (let x = 0; x < X; x++) out[x * 4 * H + 4 * j + k] = src[row + x];
    }
  }
  return out;
}

/** Arena (X, 4H) interleaved → (X, 4H) blocked columns (Keras kernel/recurrent_kernel). */
export function interleavedToBlockedCols(
  src: Float32Array, // (X, 4H) interleaved
  X: number,
  H: number,
  order: GateOrder,
): Float32Array {
  const out = new Float32Array(X * 4 * H); // (X, 4H)
  for (let x = 0; x < X; x++) {
    const base = x * 4 * H;
    for (let b = 0; b < 4; b++) {
      const k = order[b];
      for (let j = 0; j < H; j++) out[base + b * H + j] = src[base + 4 * j + k];
    }
  }
  return out;
}

/** Arena (4H) interleaved bias → (4H) blocked. */
export function interleavedToBlockedBias(
  src: Float32Array,
  H: number,
  order: GateOrder,
): Float32Array {
  const out = new Float32Array(4 * H);
  for (let b = 0; b < 4; b++) for (let j = 0; j < H; j++) out[b * H + j] = src[4 * j + order[b]];
  return out;
}

/** (4H) blocked bias → arena (4H) interleaved. */
export function blockedBiasToInterleaved(
  src: Float32Array,
  H: number,
  order: GateOrder,
): Float32Array {
  const out = new Float32Array(4 * H);
  for (let b = 0; b < 4; b++) for (let j = 0; j < H; j++) out[4 * j + order[b]] = src[b * H + j];
  return out;
}

/** Row-major (R, C) → (C, R). */
export function transpose(src: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c];
  return out;
}
