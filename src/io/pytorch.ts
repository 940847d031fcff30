// The parameter arena ↔ PyTorch state_dict tensors of
//   nn.Embedding(V, E) → nn.LSTM(E, H, L, batch_first=True) → nn.Linear(H, V)
// registered as `embedding`, `lstm`, `head`. Our single LSTM bias becomes
// bias_ih and bias_hh is written as zeros (PyTorch adds the two); on import
// the two are summed, so a model trained in PyTorch comes back exactly.
//
// Dimension legend: V vocabulary, E embedding, H hidden, L layers,
// X input size of a layer (E for layer 0, H above).
//
// Public API:
//   toPytorchTensors(model, params) → NamedTensor[] in state_dict order
//   pytorchTensorNames(model) → string[]
//   inferModelConfig(tensors) → ModelConfig (from shapes alone)
//   fromPytorchTensors(model, tensors, file?) → params (arena); throws FormatError
//     (missing-tensor, unexpected-tensor, shape-mismatch, non-finite)

import { layerInputSize, type ModelConfig } from '../engine/config';
import { paramLayout, type TensorSpec } from '../engine/params';
import { FormatError } from './errors';
import {
  blockedBiasToInterleaved,
  blockedRowsToInterleaved,
  interleavedToBlockedBias,
  interleavedToBlockedRows,
  PYTORCH_ORDER,
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
  const { vocabSize: V, embedSize: E, hiddenSize: H } = model;
  const out: NamedTensor[] = [
    { name: 'embedding.weight', shape: [V, E], data: view(params, layout.embedding).slice() },
  ];
  layout.layers.forEach((views, l) => {
    const X = layerInputSize(model, l);
    out.push(
      {
        name: `lstm.weight_ih_l${l}`,
        shape: [4 * H, X],
        data: interleavedToBlockedRows(view(params, views.wx), X, H, PYTORCH_ORDER),
      },
      {
        name: `lstm.weight_hh_l${l}`,
        shape: [4 * H, H],
        data: interleavedToBlockedRows(view(params, views.wh), H, H, PYTORCH_ORDER),
      },
      {
        name: `lstm.bias_ih_l${l}`,
        shape: [4 * H],
        data: interleavedToBlockedBias(view(params, views.b), H, PYTORCH_ORDER),
      },
      { name: `lstm.bias_hh_l${l}`, shape: [4 * H], data: new Float32Array(4 * H) },
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
  const { vocabSize: V, embedSize: E, hiddenSize: H, layers: L } = model;
  const shapes = new Map<string, number[]>([['embedding.weight', [V, E]]]);
  for (let l = 0; l < L; l++) {
    const X = layerInputSize(model, l);
    shapes.set(`lstm.weight_ih_l${l}`, [4 * H, X]);
    shapes.set(`lstm.weight_hh_l${l}`, [4 * H, H]);
    shapes.set(`lstm.bias_ih_l${l}`, [4 * H]);
    shapes.set(`lstm.bias_hh_l${l}`, [4 * H]);
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
  const hh = tensors.get('lstm.weight_hh_l0');
  if (!emb) throw new FormatError('missing-tensor', 'tensor embedding.weight is missing', file);
  if (!hh) throw new FormatError('missing-tensor', 'tensor lstm.weight_hh_l0 is missing', file);
  if (emb.shape.length !== 2 || hh.shape.length !== 2) {
    throw new FormatError(
      'shape-mismatch',
      'embedding.weight and lstm.weight_hh_l0 must be 2-D',
      file,
    );
  }
  let layers = 0;
  while (tensors.has(`lstm.weight_hh_l${layers}`)) layers++;
  return { vocabSize: emb.shape[0], embedSize: emb.shape[1], hiddenSize: hh.shape[1], layers };
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
        `tensor ${name} has shape [${t.shape}] but the configuration (V=${model.vocabSize}, ` +
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
  const { vocabSize: V, hiddenSize: H } = model;
  params.set(get('embedding.weight'), layout.embedding.offset);
  layout.layers.forEach((views, l) => {
    const X = layerInputSize(model, l);
    params.set(
      blockedRowsToInterleaved(get(`lstm.weight_ih_l${l}`), X, H, PYTORCH_ORDER),
      views.wx.offset,
    );
    params.set(
      blockedRowsToInterleaved(get(`lstm.weight_hh_l${l}`), H, H, PYTORCH_ORDER),
      views.wh.offset,
    );
    const bih = get(`lstm.bias_ih_l${l}`);
    const bhh = get(`lstm.bias_hh_l${l}`);
    const sum = new Float32Array(4 * H);
    // Plain float32 addition, as PyTorch does it; with bias_hh = 0 (our export) it is exact.
    for (let i = 0; i < sum.length; i++) sum[i] = bih[i] + bhh[i];
    params.set(blockedBiasToInterleaved(sum, H, PYTORCH_ORDER), views.b.offset);
  });
  params.set(transpose(get('head.weight'), V, H), layout.headW.offset);
  params.set(get('head.bias'), layout.headB.offset);
  return params;
}
