// The parameter arena: every weight of the model in one flat Float32Array, so
// the optimizer, clipping, checkpoints and GPU upload each see one buffer.
//
// Dimension legend: V vocabulary, E embedding, H hidden, L layers, D
// directions (task.ts), O outputs of the head (V, the tagging classes K, or a
// forecast's Co: task.ts outputSize), X input size of a layer (E, or a
// forecast's Ci, for layer 0; D·H above).
//
// Gate layout: a cell's G gates (cells.ts: LSTM 4, GRU 3, RNN 1) are
// INTERLEAVED PER UNIT in every gate matrix: column G·j + k holds gate k of
// hidden unit j (LSTM k = i, f, g, o; GRU k = r, z, n). One GPU thread then
// owns all gates of a unit (the LSTM's as one vec4). Export converts to the
// blocked orders of PyTorch (i,f,g,o / r,z,n), Keras (i,f,c,o / z,r,h) and
// ONNX (i,o,f,c / z,r,h).
//
// Tensors, row-major, each starting at a multiple of ALIGN floats so a GPU can
// bind any of them at a legal storage-buffer offset (256 bytes); `cell` is
// lstm, gru or rnn and names the layer tensors:
//   embedding       (V, E)    a forecast has none: (0, E), no floats
//   layer l: wx     (X, G·H)  input → gates
//            wh     (H, G·H)  previous hidden → gates
//            b      (G·H)     one bias (PyTorch's b_ih + b_hh; for the GRU's n
//                             gate only b_in)
//            bhn    (H)       GRU only: b_hn, inside r ⊙ (h·Whn + bhn)
//            then, bidirectional only, the reverse direction's tensors of
//            the same shapes, named with PyTorch's suffix: wx_reverse, …
//   head:   w       (D·H, O)  rows 0..H−1 read the forward direction's h,
//                             rows H..2H−1 the reverse direction's
//           b       (O)
// The GPU backend keeps its own copy with the head's rows padded to
// Os = O rounded up to 4 (paramLayout(m, 4)): every head product then reads
// aligned vec4s. The padding holds zeros and stays zero (zero gradient, and
// decay of zero is zero); repackParams converts between the two layouts.

import { CELLS } from './cells';
import { headInputSize, layerInputSize, type ModelConfig } from './config';
import { directionCount, outputSize, readsTokens } from './task';
import type { Rng } from './rng';

/** Floats per alignment unit: 64 floats = 256 bytes (WebGPU's minStorageBufferOffsetAlignment). */
export const ALIGN = 64;

export interface TensorSpec {
  name: string;
  shape: number[];
  offset: number;
  size: number;
  /** Decoupled weight decay applies to matrices only, never to biases or embeddings. */
  decay: boolean;
}

export interface LayerViews {
  wx: TensorSpec;
  wh: TensorSpec;
  b: TensorSpec;
  /** The GRU's recurrent candidate bias b_hn (H); absent for the other cells. */
  bhn?: TensorSpec;
}

export interface ParamLayout {
  tensors: TensorSpec[];
  embedding: TensorSpec;
  /** The forward direction of each layer, bottom first. */
  layers: LayerViews[];
  /** The reverse direction of each layer of a bidirectional model; empty otherwise. */
  reverse: LayerViews[];
  headW: TensorSpec;
  headB: TensorSpec;
  /** Total floats in the arena, padding included. */
  total: number;
}

function alignUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

/**
 * Where each tensor lives in the arena. `headColumnsMultiple` pads the head's
 * output axis (head.w's rows and head.b) to a multiple of it: 1 (the
 * default) is the exact layout every format and the CPU use, 4 the GPU's.
 */
export function paramLayout(m: ModelConfig, headColumnsMultiple = 1): ParamLayout {
  const { embedSize: E, hiddenSize: H, layers: L, cell } = m;
  const G = CELLS[cell].gates * H;
  const V = readsTokens(m) ? m.vocabSize : 0;
  const O = outputSize(m);
  const Os = Math.ceil(O / headColumnsMultiple) * headColumnsMultiple;
  const tensors: TensorSpec[] = [];
  let offset = 0;
  const add = (name: string, shape: number[], decay: boolean): TensorSpec => {
    const size = shape.reduce((a, b) => a * b, 1);
    const t: TensorSpec = { name, shape, offset, size, decay };
    tensors.push(t);
    offset = alignUp(offset + size);
    return t;
  };
  const embedding = add('embedding', [V, E], false);
  const layers: LayerViews[] = [];
  const reverse: LayerViews[] = [];
  const addLayer = (l: number, suffix: string): LayerViews => {
    const X = layerInputSize(m, l);
    const views: LayerViews = {
      wx: add(`${cell}.${l}.wx${suffix}`, [X, G], true),
      wh: add(`${cell}.${l}.wh${suffix}`, [H, G], true),
      b: add(`${cell}.${l}.b${suffix}`, [G], false),
    };
    if (cell === 'gru') views.bhn = add(`gru.${l}.bhn${suffix}`, [H], false);
    return views;
  };
  for (let l = 0; l < L; l++) {
    layers.push(addLayer(l, ''));
    if (directionCount(m) === 2) reverse.push(addLayer(l, '_reverse'));
  }
  const headW = add('head.w', [headInputSize(m), Os], true);
  const headB = add('head.b', [Os], false);
  return { tensors, embedding, layers, reverse, headW, headB, total: offset };
}

/**
 * `source` (in layout `from`) copied into a fresh arena of layout `to`, tensor
 * by tensor: rows of the last axis keep min(columns) values and the rest of a
 * wider row is zero. Both layouts must describe the same model.
 */
export function repackParams(
  source: Float32Array,
  from: ParamLayout,
  to: ParamLayout,
): Float32Array {
  if (from === to) return source.slice();
  const out = new Float32Array(to.total);
  to.tensors.forEach((dst, index) => {
    const src = from.tensors[index];
    const srcCols = src.shape[src.shape.length - 1];
    const dstCols = dst.shape[dst.shape.length - 1];
    const cols = Math.min(srcCols, dstCols);
    const rows = src.size / srcCols;
    for (let r = 0; r < rows; r++) {
      const at = src.offset + r * srcCols;
      out.set(source.subarray(at, at + cols), dst.offset + r * dstCols);
    }
  });
  return out;
}

/** Columns of the head in this layout: O, or O padded (the head's row stride). */
export function headColumns(layout: ParamLayout): number {
  return layout.headB.shape[0];
}

/** Number of real parameters (padding excluded). */
export function parameterCount(layout: ParamLayout): number {
  return layout.tensors.reduce((n, t) => n + t.size, 0);
}

/**
 * Initial weights, as PyTorch initialises Embedding, LSTM/GRU/RNN and Linear:
 * embedding ~ N(0, 1); recurrent layers ~ U(−1/√H, 1/√H); the head
 * ~ U(−1/√(D·H), 1/√(D·H)) (its fan-in). Drawn in tensor order from one
 * seeded stream so every backend starts from the same numbers.
 */
export function initParams(m: ModelConfig, rng: Rng): Float32Array {
  const layout = paramLayout(m);
  const p = new Float32Array(layout.total);
  const k = 1 / Math.sqrt(m.hiddenSize);
  const kHead = 1 / Math.sqrt(headInputSize(m));
  for (const t of layout.tensors) {
    const head = t === layout.headW || t === layout.headB;
    for (let i = 0; i < t.size; i++) {
      if (t === layout.embedding) p[t.offset + i] = rng.normal();
      else p[t.offset + i] = head ? rng.uniform(-kHead, kHead) : rng.uniform(-k, k);
    }
  }
  return p;
}

/** A per-float mask (1 = decay) matching the arena, for fused AdamW kernels. */
export function decayMask(layout: ParamLayout): Float32Array {
  const mask = new Float32Array(layout.total);
  for (const t of layout.tensors) if (t.decay) mask.fill(1, t.offset, t.offset + t.size);
  return mask;
}
