// TensorFlow.js layers-model export: `model.json` (Keras topology plus a
// weights manifest) and one `.bin` holding the weights in manifest order.
// `tf.loadLayersModel` loads the pair as it is.
//
//   Sequential: Embedding(V, E) → LSTM | SimpleRNN (H, return_sequences) × L
//               → Dense(V, linear)
//   input (B, T) token ids (float32, as Keras embeddings take them)
//   output (B, T, V) logits (no softmax, like the other exports)
//
// Keras stores kernel (X, G·H), recurrent_kernel (H, G·H) and one bias (G·H)
// with gate blocks i, f, c, o (LSTM; SimpleRNN has one block). TF.js
// defaults an LSTM's recurrent activation to hardSigmoid, so
// `recurrent_activation: "sigmoid"` is written explicitly.
//
// No GRU: ours is PyTorch's (Keras's reset_after=True, bias (2, 3H)), and
// TF.js cannot load that: tfjs-layers 4.22's GRUCell throws on reset_after,
// and its reset-before GRU, tanh(x·Wh + (r ⊙ h)·Rh), is another function that
// no choice of weights turns into ours. exportTfjs refuses the GRU with
// TfjsGruUnsupportedError (ONNX, which onnxruntime-web runs in a page, has it);
// tests/unit/io/exportTfjs.test.ts checks that TF.js still refuses
// reset_after, so the day it loads, the test says to build this export.
//
// Dimension legend: B batch, T steps, E embedding, H hidden, V vocabulary,
// L layers, X input size of a layer (E for layer 0, H above).
//
// Public API:
//   exportTfjs(model, params, vocab, weightsFile = 'model.weights.bin')
//     → { modelJson: string, weights: Uint8Array, weightsFile }
//     throws TfjsGruUnsupportedError for a GRU model
//   The model.json also carries `userDefinedMetadata: { vocab, config }`.

import { layerInputSize, type ModelConfig } from '../engine/config';
import { paramLayout, type TensorSpec } from '../engine/params';
import type { Vocabulary } from '../engine/tokenizer';
import { CELLS } from '../engine/cells';
import { GATE_ORDERS, interleavedToBlockedBias, interleavedToBlockedCols } from './gates';

/** The GRU has no TF.js layers export: TF.js has no GRU that computes ours (see above). */
export class TfjsGruUnsupportedError extends Error {
  constructor() {
    super(
      "TensorFlow.js cannot load a GRU like this one (PyTorch's, Keras reset_after=true): " +
        'its GRU layer refuses reset_after; export ONNX instead (onnxruntime-web runs it in a page)',
    );
    this.name = 'TfjsGruUnsupportedError';
  }
}

export interface TfjsExport {
  /** Contents of model.json. */
  modelJson: string;
  /** Contents of the weights file named in the manifest. */
  weights: Uint8Array;
  weightsFile: string;
}

interface Weight {
  name: string;
  shape: number[];
  data: Float32Array;
}

const NO_REGULARIZER = {
  kernel_regularizer: null,
  recurrent_regularizer: null,
  bias_regularizer: null,
  activity_regularizer: null,
  kernel_constraint: null,
  recurrent_constraint: null,
  bias_constraint: null,
};

/** Keras's class and layer-name prefix per exportable cell, with what only that class has. */
const KERAS_LAYER = {
  lstm: {
    className: 'LSTM',
    prefix: 'lstm',
    extra: { recurrent_activation: 'sigmoid', unit_forget_bias: false, implementation: 2 },
  },
  rnn: { className: 'SimpleRNN', prefix: 'simple_rnn', extra: {} },
} as const;

function recurrentLayer(cell: keyof typeof KERAS_LAYER, name: string, H: number) {
  const { className, extra } = KERAS_LAYER[cell];
  return {
    class_name: className,
    config: {
      name,
      trainable: true,
      units: H,
      activation: 'tanh',
      ...extra,
      use_bias: true,
      kernel_initializer: { class_name: 'Zeros', config: {} },
      recurrent_initializer: { class_name: 'Zeros', config: {} },
      bias_initializer: { class_name: 'Zeros', config: {} },
      ...NO_REGULARIZER,
      dropout: 0,
      recurrent_dropout: 0,
      return_sequences: true,
      return_state: false,
      go_backwards: false,
      stateful: false,
      unroll: false,
    },
  };
}

export function exportTfjs(
  model: ModelConfig,
  params: Float32Array,
  vocab: Vocabulary,
  weightsFile = 'model.weights.bin',
  /** More userDefinedMetadata (which weights, their step); vocab and config win. */
  extra: Record<string, string> = {},
): TfjsExport {
  const { vocabSize: V, embedSize: E, hiddenSize: H, cell } = model;
  if (cell === 'gru') throw new TfjsGruUnsupportedError();
  const G = CELLS[cell].gates;
  const order = GATE_ORDERS.keras[cell];
  const layout = paramLayout(model);
  if (params.length < layout.total) {
    throw new Error(`params has ${params.length} floats; the model needs ${layout.total}`);
  }
  const view = (t: TensorSpec) => params.slice(t.offset, t.offset + t.size);

  const layers: unknown[] = [
    {
      class_name: 'Embedding',
      config: {
        name: 'embedding',
        trainable: true,
        batch_input_shape: [null, null],
        dtype: 'float32',
        input_dim: V,
        output_dim: E,
        embeddings_initializer: { class_name: 'Zeros', config: {} },
        embeddings_regularizer: null,
        activity_regularizer: null,
        embeddings_constraint: null,
        mask_zero: false,
        input_length: null,
      },
    },
  ];
  const weights: Weight[] = [
    { name: 'embedding/embeddings', shape: [V, E], data: view(layout.embedding) },
  ];
  layout.layers.forEach((lv, l) => {
    const prefix = KERAS_LAYER[cell].prefix;
    const name = l === 0 ? prefix : `${prefix}_${l}`;
    const X = layerInputSize(model, l);
    layers.push(recurrentLayer(cell, name, H));
    weights.push(
      {
        name: `${name}/kernel`,
        shape: [X, G * H],
        data: interleavedToBlockedCols(view(lv.wx), X, H, order),
      },
      {
        name: `${name}/recurrent_kernel`,
        shape: [H, G * H],
        data: interleavedToBlockedCols(view(lv.wh), H, H, order),
      },
      {
        name: `${name}/bias`,
        shape: [G * H],
        data: interleavedToBlockedBias(view(lv.b), H, order),
      },
    );
  });
  layers.push({
    class_name: 'Dense',
    config: {
      name: 'dense',
      trainable: true,
      units: V,
      activation: 'linear',
      use_bias: true,
      kernel_initializer: { class_name: 'Zeros', config: {} },
      bias_initializer: { class_name: 'Zeros', config: {} },
      ...NO_REGULARIZER,
    },
  });
  // Keras' Dense kernel is (H, V), the same as our head matrix.
  weights.push(
    { name: 'dense/kernel', shape: [H, V], data: view(layout.headW) },
    { name: 'dense/bias', shape: [V], data: view(layout.headB) },
  );

  const total = weights.reduce((n, w) => n + w.data.length, 0);
  const bin = new Float32Array(total);
  let at = 0;
  for (const w of weights) {
    bin.set(w.data, at);
    at += w.data.length;
  }
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'gatescope',
    convertedBy: null,
    modelTopology: {
      class_name: 'Sequential',
      config: { name: `gatescope_char_${cell}`, layers },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    weightsManifest: [
      {
        paths: [weightsFile],
        weights: weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })),
      },
    ],
    userDefinedMetadata: {
      ...extra,
      vocab: vocab.toJSON(),
      config: { vocabSize: V, cell, embedSize: E, hiddenSize: H, layers: model.layers },
    },
  };
  return { modelJson: JSON.stringify(modelJson), weights: new Uint8Array(bin.buffer), weightsFile };
}
