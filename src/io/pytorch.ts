// The parameter arena ↔ PyTorch state_dict tensors of
//   nn.Embedding(V, E) → nn.LSTM | nn.GRU | nn.RNN(E, H, L, batch_first=True)
//   → nn.Linear(H, V)
// registered as `embedding`, the cell's name (`lstm`, `gru`, `rnn`), `head`.
// Our single bias becomes bias_ih and bias_hh is written as zeros (PyTorch adds
// the two), except the GRU's b_hn, which sits inside r ⊙ (·) and goes to the n
// block of bias_hh. On import the two are summed (for the GRU's n block kept
// apart), so a model trained in PyTorch comes back exactly.
//
// Dimension legend: V vocabulary, E embedding, H hidden, L layers,
// X input size of a layer (E for layer 0, H above), G gates per unit
// (LSTM 4, GRU 3, RNN 1).
//
// Public API:
//   toPytorchTensors(model, params) → NamedTensor[] in state_dict order
//   pytorchTensorNames(model) → string[]
//   inferModelConfig(tensors) → ModelConfig (from names and shapes alone)
//   fromPytorchTensors(model, tensors, file?) → params (arena); throws FormatError
//     (missing-tensor, unexpected-tensor, shape-mismatch, non-finite)

import { CELL_TYPES, CELLS, type CellType } from '../engine/cells';
import { layerInputSize, modelConfigFields, type ModelConfig } from '../engine/config';
import { paramLayout, type TensorSpec } from '../engine/params';
import { FormatError } from './errors';
import {
  blockedBiasToInterleaved,
  blockedRowsToInterleaved,
  GATE_ORDERS,
  interleavedToBlockedBias,
  interleavedToBlockedRows,
  transpose,
} from './gates';
import type { NamedTensor } from './safetensors';

function view(params: Float32Array, t: TensorSpec): Float32Array {
  return params.subarray(t.offset, t.offset + t.size);
}

export function toPytorchTensors(model: ModelConfig, params: Float32Array): NamedTensor[] {
  const layout = paramLayout(model);
  if (params.length < layout.total) {
    throw new Error(`params has ${params.length} floats; the model needs ${layout.total}`);
  }
  const { vocabSize: V, embedSize: E, hiddenSize: H, cell } = model;
  const G = CELLS[cell].gates;
  const order = GATE_ORDERS.pytorch[cell];
  const out: NamedTensor[] = [
    { name: 'embedding.weight', shape: [V, E], data: view(params, layout.embedding).slice() },
  ];
  layout.layers.forEach((views, l) => {
    const X = layerInputSize(model, l);
    const biasHH = new Float32Array(G * H);
    // The GRU's b_hn is the n block (the last) of bias_hh.
    if (views.bhn) biasHH.set(view(params, views.bhn), 2 * H);
    out.push(
      {
        name: `${cell}.weight_ih_l${l}`,
        shape: [G * H, X],
        data: interleavedToBlockedRows(view(params, views.wx), X, H, order),
      },
      {
        name: `${cell}.weight_hh_l${l}`,
        shape: [G * H, H],
        data: interleavedToBlockedRows(view(params, views.wh), H, H, order),
      },
      {
        name: `${cell}.bias_ih_l${l}`,
        shape: [G * H],
        data: interleavedToBlockedBias(view(params, views.b), H, order),
      },
      { name: `${cell}.bias_hh_l${l}`, shape: [G * H], data: biasHH },
    );
  });
  out.push(
    { name: 'head.weight', shape: [V, H], data: transpose(view(params, layout.headW), H, V) },
    { name: 'head.bias', shape: [V], data: view(params, layout.headB).slice() },
  );
  return out;
}

/** Expected state_dict keys and shapes, in order. */
export function pytorchShapes(model: ModelConfig): Map<string, number[]> {
  const { vocabSize: V, embedSize: E, hiddenSize: H, layers: L, cell } = model;
  const GH = CELLS[cell].gates * H;
  const shapes = new Map<string, number[]>([['embedding.weight', [V, E]]]);
  for (let l = 0; l < L; l++) {
    const X = layerInputSize(model, l);
    shapes.set(`${cell}.weight_ih_l${l}`, [GH, X]);
    shapes.set(`${cell}.weight_hh_l${l}`, [GH, H]);
    shapes.set(`${cell}.bias_ih_l${l}`, [GH]);
    shapes.set(`${cell}.bias_hh_l${l}`, [GH]);
  }
  shapes.set('head.weight', [V, H]);
  shapes.set('head.bias', [V]);
  return shapes;
}

export function pytorchTensorNames(model: ModelConfig): string[] {
  return [...pytorchShapes(model).keys()];
}

/**
 * The configuration implied by the tensor shapes, for files without our
 * metadata (e.g. saved from PyTorch). Throws FormatError when a key tensor
 * is missing or not 2-D.
 */
export function inferModelConfig(tensors: Map<string, NamedTensor>, file?: string): ModelConfig {
  const emb = tensors.get('embedding.weight');
  if (!emb) throw new FormatError('missing-tensor', 'tensor embedding.weight is missing', file);
  const cell = CELL_TYPES.find((c) => tensors.has(`${c}.weight_hh_l0`));
  if (!cell) {
    const names = CELL_TYPES.map((c) => `${c}.weight_hh_l0`).join(', ');
    throw new FormatError('missing-tensor', `no recurrent layer: none of ${names} is there`, file);
  }
  const hh = tensors.get(`${cell}.weight_hh_l0`)!;
  if (emb.shape.length !== 2 || hh.shape.length !== 2) {
    throw new FormatError(
      'shape-mismatch',
      `embedding.weight and ${cell}.weight_hh_l0 must be 2-D`,
      file,
    );
  }
  let layers = 0;
  while (tensors.has(`${cell}.weight_hh_l${layers}`)) layers++;
  const [V, E] = emb.shape;
  return modelConfigFields({ vocabSize: V, cell, embedSize: E, hiddenSize: hh.shape[1], layers });
}

/**
 * Arena parameters from state_dict tensors, after checking that exactly the
 * model's tensors are present with the model's shapes and finite values.
 */
export function fromPytorchTensors(
  model: ModelConfig,
  tensors: Map<string, NamedTensor>,
  file?: string,
  /** Names to skip when looking for unexpected tensors (a checkpoint's extra state). */
  allowExtra: (name: string) => boolean = () => false,
): Float32Array {
  const shapes = pytorchShapes(model);
  for (const [name, shape] of shapes) {
    const t = tensors.get(name);
    if (!t) throw new FormatError('missing-tensor', `tensor ${name} is missing`, file);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new FormatError(
        'shape-mismatch',
        `tensor ${name} has shape [${t.shape}] but the configuration (${CELLS[model.cell].label}, V=${model.vocabSize}, ` +
          `E=${model.embedSize}, H=${model.hiddenSize}, L=${model.layers}) needs [${shape}]`,
        file,
      );
    }
    const bad = t.data.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) {
      throw new FormatError(
        'non-finite',
        `tensor ${name} holds ${t.data[bad]} at index ${bad}`,
        file,
      );
    }
  }
  for (const name of tensors.keys()) {
    if (!shapes.has(name) && !allowExtra(name)) {
      throw new FormatError('unexpected-tensor', `tensor ${name} is not part of this model`, file);
    }
  }

  const get = (name: string) => tensors.get(name)!.data;
  const layout = paramLayout(model);
  const params = new Float32Array(layout.total);
  const { vocabSize: V, hiddenSize: H, cell } = model;
  const order = GATE_ORDERS.pytorch[cell];
  params.set(get('embedding.weight'), layout.embedding.offset);
  layout.layers.forEach((views, l) => {
    const X = layerInputSize(model, l);
    params.set(
      blockedRowsToInterleaved(get(`${cell}.weight_ih_l${l}`), X, H, order),
      views.wx.offset,
    );
    params.set(
      blockedRowsToInterleaved(get(`${cell}.weight_hh_l${l}`), H, H, order),
      views.wh.offset,
    );
    const { bias, bhn } = mergedBias(
      cell,
      get(`${cell}.bias_ih_l${l}`),
      get(`${cell}.bias_hh_l${l}`),
      H,
    );
    params.set(blockedBiasToInterleaved(bias, H, order), views.b.offset);
    if (views.bhn && bhn) params.set(bhn, views.bhn.offset);
  });
  params.set(transpose(get('head.weight'), V, H), layout.headW.offset);
  params.set(get('head.bias'), layout.headB.offset);
  return params;
}

/**
 * Our one bias from PyTorch's two (blocked order): their float32 sum, as
 * PyTorch adds them (exact when bias_hh is zero, as we export it), except the
 * GRU's n block, whose bias_hh part is b_hn and stays apart.
 */
function mergedBias(
  cell: CellType,
  bih: Float32Array, // (G·H) blocked
  bhh: Float32Array, // (G·H) blocked
  H: number,
): { bias: Float32Array; bhn: Float32Array | null } {
  const bias = new Float32Array(bih.length);
  const summed = cell === 'gru' ? 2 * H : bih.length;
  for (let i = 0; i < bias.length; i++) bias[i] = i < summed ? bih[i] + bhh[i] : bih[i];
  return { bias, bhn: cell === 'gru' ? bhh.slice(2 * H, 3 * H) : null };
}
