// The parameter arena ↔ PyTorch state_dict tensors of
//   nn.Embedding(V, E) → nn.LSTM | nn.GRU | nn.RNN(E, H, L, batch_first=True,
//   bidirectional=D == 2) → nn.Linear(D·H, O)
// registered as `embedding`, the cell's name (`lstm`, `gru`, `rnn`), `head`.
// A forecast has no embedding: `lstm` (or `gru`, `rnn`) reads the Ci values
// (nn.LSTM(input_size=Ci)) and the head is nn.Linear(H, Co). A bidirectional
// model has PyTorch's reverse-direction tensors `lstm.weight_ih_l0_reverse`
// etc. after each layer's forward ones, and layer l > 0 reads the 2H outputs
// [h_fwd | h_rev] of the layer below, as the head does.
// Our single bias becomes bias_ih and bias_hh is written as zeros (PyTorch adds
// the two), except the GRU's b_hn, which sits inside r ⊙ (·) and goes to the n
// block of bias_hh. On import the two are summed (for the GRU's n block kept
// apart), so a model trained in PyTorch comes back exactly.
//
// Dimension legend: V vocabulary, E embedding, H hidden, L layers, D
// directions, O head outputs (V, 2 tagging classes, or a forecast's Co), Ci
// values read per step (forecast), X input size of a layer (E or Ci for
// layer 0, D·H above), G gates per unit (LSTM 4, GRU 3, RNN 1).
//
// Public API:
//   toPytorchTensors(model, params) → NamedTensor[] in state_dict order
//   pytorchTensorNames(model) → string[]
//   inferModelConfig(tensors) → ModelConfig (from names and shapes alone: an
//     lm, or a forecast when there is no embedding; a file with _reverse
//     tensors needs its config metadata, since its task cannot be read off shapes)
//   fromPytorchTensors(model, tensors, file?) → params (arena); throws FormatError
//     (missing-tensor, unexpected-tensor, shape-mismatch, non-finite)

import { CELL_TYPES, CELLS, type CellType } from '../engine/cells';
import {
  headInputSize,
  layerInputSize,
  modelConfigFields,
  type ModelConfig,
} from '../engine/config';
import { paramLayout, type LayerViews, type TensorSpec } from '../engine/params';
import { directionCount, outputSize, readsTokens } from '../engine/task';
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

/** PyTorch's suffix of each direction's tensors: '' forward, '_reverse' reverse. */
export const DIRECTION_SUFFIXES = ['', '_reverse'] as const;

/** The arena views of layer l in direction d (0 forward, 1 reverse). */
export function directionViews(
  layout: ReturnType<typeof paramLayout>,
  l: number,
  d: number,
): LayerViews {
  return d === 0 ? layout.layers[l] : layout.reverse[l];
}

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
  const D = directionCount(model);
  const O = outputSize(model);
  const order = GATE_ORDERS.pytorch[cell];
  const out: NamedTensor[] = [];
  if (readsTokens(model)) {
    out.push({
      name: 'embedding.weight',
      shape: [V, E],
      data: view(params, layout.embedding).slice(),
    });
  }
  for (let l = 0; l < model.layers; l++) {
    const X = layerInputSize(model, l);
    for (let d = 0; d < D; d++) {
      const views = directionViews(layout, l, d);
      const suffix = `l${l}${DIRECTION_SUFFIXES[d]}`;
      const biasHH = new Float32Array(G * H);
      // The GRU's b_hn is the n block (the last) of bias_hh.
      if (views.bhn) biasHH.set(view(params, views.bhn), 2 * H);
      out.push(
        {
          name: `${cell}.weight_ih_${suffix}`,
          shape: [G * H, X],
          data: interleavedToBlockedRows(view(params, views.wx), X, H, order),
        },
        {
          name: `${cell}.weight_hh_${suffix}`,
          shape: [G * H, H],
          data: interleavedToBlockedRows(view(params, views.wh), H, H, order),
        },
        {
          name: `${cell}.bias_ih_${suffix}`,
          shape: [G * H],
          data: interleavedToBlockedBias(view(params, views.b), H, order),
        },
        { name: `${cell}.bias_hh_${suffix}`, shape: [G * H], data: biasHH },
      );
    }
  }
  const DH = headInputSize(model);
  out.push(
    { name: 'head.weight', shape: [O, DH], data: transpose(view(params, layout.headW), DH, O) },
    { name: 'head.bias', shape: [O], data: view(params, layout.headB).slice() },
  );
  return out;
}

/** Expected state_dict keys and shapes, in order. */
export function pytorchShapes(model: ModelConfig): Map<string, number[]> {
  const { vocabSize: V, embedSize: E, hiddenSize: H, layers: L, cell } = model;
  const GH = CELLS[cell].gates * H;
  const shapes = new Map<string, number[]>();
  if (readsTokens(model)) shapes.set('embedding.weight', [V, E]);
  for (let l = 0; l < L; l++) {
    const X = layerInputSize(model, l);
    for (let d = 0; d < directionCount(model); d++) {
      const suffix = `l${l}${DIRECTION_SUFFIXES[d]}`;
      shapes.set(`${cell}.weight_ih_${suffix}`, [GH, X]);
      shapes.set(`${cell}.weight_hh_${suffix}`, [GH, H]);
      shapes.set(`${cell}.bias_ih_${suffix}`, [GH]);
      shapes.set(`${cell}.bias_hh_${suffix}`, [GH]);
    }
  }
  shapes.set('head.weight', [outputSize(model), headInputSize(model)]);
  shapes.set('head.bias', [outputSize(model)]);
  return shapes;
}

export function pytorchTensorNames(model: ModelConfig): string[] {
  return [...pytorchShapes(model).keys()];
}

/**
 * The configuration implied by the tensor shapes, for files without our
 * metadata (e.g. saved from PyTorch): a language model (uni), as files have
 * always been read, or a forecast when there is no embedding (its Ci and Co
 * from weight_ih_l0 and head.weight). Throws FormatError when a key tensor
 * is missing or not 2-D, or when the file holds reverse-direction tensors:
 * a bidirectional model is a tagger, and which tagger only its metadata says.
 */
export function inferModelConfig(tensors: Map<string, NamedTensor>, file?: string): ModelConfig {
  const cell = CELL_TYPES.find((c) => tensors.has(`${c}.weight_hh_l0`));
  if (!cell) {
    const names = CELL_TYPES.map((c) => `${c}.weight_hh_l0`).join(', ');
    throw new FormatError('missing-tensor', `no recurrent layer: none of ${names} is there`, file);
  }
  if (tensors.has(`${cell}.weight_hh_l0_reverse`)) {
    throw new FormatError(
      'metadata-invalid',
      'a bidirectional model (it has _reverse tensors) needs its "config" metadata: its task (spaces or case) cannot be read off the shapes',
      file,
    );
  }
  const emb = tensors.get('embedding.weight');
  const hh = tensors.get(`${cell}.weight_hh_l0`)!;
  const ih = tensors.get(`${cell}.weight_ih_l0`);
  const head = tensors.get('head.weight');
  const need2d = emb ? [emb, hh] : [hh, ih, head];
  for (const t of need2d) {
    if (!t) {
      const missing = !ih ? `${cell}.weight_ih_l0` : 'head.weight';
      throw new FormatError('missing-tensor', `tensor ${missing} is missing`, file);
    }
    if (t.shape.length !== 2) {
      throw new FormatError('shape-mismatch', `${t.name} must be 2-D`, file);
    }
  }
  let layers = 0;
  while (tensors.has(`${cell}.weight_hh_l${layers}`)) layers++;
  const hiddenSize = hh.shape[1];
  if (!emb) {
    // A forecast: layer 0 reads the values (nn.LSTM(input_size=Ci)); E is unused.
    return modelConfigFields({
      vocabSize: 0,
      task: 'forecast',
      seriesInputs: ih!.shape[1],
      seriesOutputs: head!.shape[0],
      cell,
      embedSize: FORECAST_EMBED_SIZE,
      hiddenSize,
      layers,
    });
  }
  const [V, E] = emb.shape;
  return modelConfigFields({ vocabSize: V, cell, embedSize: E, hiddenSize, layers });
}

/**
 * E of an inferred forecast, which has no embedding and never uses E: the
 * smallest the schema allows, so the configuration validates.
 */
const FORECAST_EMBED_SIZE = 1;

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
        `tensor ${name} has shape [${t.shape}] but the configuration (${describeModel(model)}) needs [${shape}]`,
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
  const { hiddenSize: H, cell } = model;
  const order = GATE_ORDERS.pytorch[cell];
  if (readsTokens(model)) params.set(get('embedding.weight'), layout.embedding.offset);
  for (let l = 0; l < model.layers; l++) {
    const X = layerInputSize(model, l);
    for (let d = 0; d < directionCount(model); d++) {
      const views = directionViews(layout, l, d);
      const suffix = `l${l}${DIRECTION_SUFFIXES[d]}`;
      params.set(
        blockedRowsToInterleaved(get(`${cell}.weight_ih_${suffix}`), X, H, order),
        views.wx.offset,
      );
      params.set(
        blockedRowsToInterleaved(get(`${cell}.weight_hh_${suffix}`), H, H, order),
        views.wh.offset,
      );
      const { bias, bhn } = mergedBias(
        cell,
        get(`${cell}.bias_ih_${suffix}`),
        get(`${cell}.bias_hh_${suffix}`),
        H,
      );
      params.set(blockedBiasToInterleaved(bias, H, order), views.b.offset);
      if (views.bhn && bhn) params.set(bhn, views.bhn.offset);
    }
  }
  params.set(
    transpose(get('head.weight'), outputSize(model), headInputSize(model)),
    layout.headW.offset,
  );
  params.set(get('head.bias'), layout.headB.offset);
  return params;
}

/** "LSTM V=40, E=6, H=7, L=2", "bidirectional GRU (task spaces) V=30, …": a model in one phrase, for messages. */
export function describeModel(m: ModelConfig): string {
  const full = modelConfigFields(m);
  const dir = full.direction === 'bi' ? 'bidirectional ' : '';
  const task = full.task === 'lm' ? '' : ` (task ${full.task})`;
  const sizes =
    full.task === 'forecast'
      ? `Ci=${full.seriesInputs}, Co=${full.seriesOutputs}`
      : `V=${full.vocabSize}, E=${full.embedSize}`;
  return `${dir}${CELLS[full.cell].label}${task} ${sizes}, H=${full.hiddenSize}, L=${full.layers}`;
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
