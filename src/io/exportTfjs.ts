// TensorFlow.js layers-model export: `model.json` (Keras topology plus a
// weights manifest) and one `.bin` holding the weights in manifest order.
// `tf.loadLayersModel` loads the pair as it is.
//
//   Sequential: Embedding(V, E) → LSTM(H, return_sequences) × L → Dense(V, linear)
//   input (B, T) token ids (float32, as Keras embeddings take them)
//   output (B, T, V) logits (no softmax, like the other exports)
//
// Keras stores kernel (X, 4H), recurrent_kernel (H, 4H) and one bias (4H)
// with gate blocks i, f, c, o. TF.js defaults an LSTM's recurrent activation
// to hardSigmoid, so `recurrent_activation: "sigmoid"` is written explicitly.
//
// Dimension legend: B batch, T steps, E embedding, H hidden, V vocabulary,
// L layers, X input size of a layer (E for layer 0, H above).
//
// Public API:
//   exportTfjs(model, params, vocab, weightsFile = 'model.weights.bin')
//     → { modelJson: string, weights: Uint8Array, weightsFile }
//   The model.json also carries `userDefinedMetadata: { vocab, config }`.

import { layerInputSize, type ModelConfig } from '../engine/config';
import { paramLayout, type TensorSpec } from '../engine/params';
import type { Vocabulary } from '../engine/tokenizer';
import { interleavedToBlockedBias, interleavedToBlockedCols, KERAS_ORDER } from './gates';

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

function lstmLayer(name: string, H: number) {
  return {
    class_name: 'LSTM',
    config: {
      name,
      trainable: true,
      units: H,
      activation: 'tanh',
      recurrent_activation: 'sigmoid',
      use_bias: true,
      kernel_initializer: { class_name: 'Zeros', config: {} },
      recurrent_initializer: { class_name: 'Zeros', config: {} },
      bias_initializer: { class_name: 'Zeros', config: {} },
      unit_forget_bias: false,
      ...NO_REGULARIZER,
      dropout: 0,
      recurrent_dropout: 0,
      implementation: 2,
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
): TfjsExport {
  const { vocabSize: V, embedSize: E, hiddenSize: H } = model;
  if (model.cell !== 'lstm')
    throw new Error(`TF.js export of ${model.cell} models is not built yet`);
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
    const name = l === 0 ? 'lstm' : `lstm_${l}`;
    const X = layerInputSize(model, l);
    layers.push(lstmLayer(name, H));
    weights.push(
      {
        name: `${name}/kernel`,
        shape: [X, 4 * H],
        data: interleavedToBlockedCols(view(lv.wx), X, H, KERAS_ORDER),
      },
      {
        name: `${name}/recurrent_kernel`,
        shape: [H, 4 * H],
        data: interleavedToBlockedCols(view(lv.wh), H, H, KERAS_ORDER),
      },
      {
        name: `${name}/bias`,
        shape: [4 * H],
        data: interleavedToBlockedBias(view(lv.b), H, KERAS_ORDER),
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
      config: { name: 'gatescope_char_lstm', layers },
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
      vocab: vocab.toJSON(),
      config: { vocabSize: V, embedSize: E, hiddenSize: H, layers: model.layers },
    },
  };
  return { modelJson: JSON.stringify(modelJson), weights: new Uint8Array(bin.buffer), weightsFile };
}
