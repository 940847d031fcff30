// TensorFlow.js layers-model export: `model.json` (Keras topology plus a
// weights manifest) and one `.bin` holding the weights in manifest order.
// `tf.loadLayersModel` loads the pair as it is.
//
//   Sequential: Embedding(V, E)            (token tasks; a forecast has none:
//                                           the first layer reads [T, Ci] values)
//               → LSTM | SimpleRNN (H, return_sequences) × L
//                 (bidirectional: each wrapped in Bidirectional, merge_mode
//                 concat: [h_fwd_t | h_rev_t], 2H, as PyTorch and we order them)
//               → Dense(O, linear) on the 3-D sequence (per step)
//   input (B, T) token ids (float32, as Keras embeddings take them), or a
//   forecast's (B, T, Ci) normalised values
//   output (B, T, O) logits (no softmax, like the other exports), or a
//   forecast's Co normalised values
//
// Keras stores kernel (X, G·H), recurrent_kernel (H, G·H) and one bias (G·H)
// with gate blocks i, f, c, o (LSTM; SimpleRNN has one block). TF.js
// defaults an LSTM's recurrent activation to hardSigmoid, so
// `recurrent_activation: "sigmoid"` is written explicitly. A Bidirectional
// wrapper named `bidirectional` around a layer named `lstm` holds the weights
// `bidirectional/forward_lstm/kernel`, … and `bidirectional/backward_lstm/…`.
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
// L layers, D directions, O head outputs (V, 2, or Co), Ci values read per
// step (forecast), X input size of a layer (E or Ci for layer 0, D·H above).
//
// Public API:
//   exportTfjs(model, params, vocab, weightsFile = 'model.weights.bin', extra?, series?)
//     → { modelJson: string, weights: Uint8Array, weightsFile }
//     vocab null for a forecast; throws TfjsGruUnsupportedError for a GRU model
//   The model.json also carries `userDefinedMetadata: { config, vocab?, series? }`
//   (the full model configuration, the vocabulary of a token model, a
//   forecast's columns and normalisation statistics).

import { headInputSize, layerInputSize, type ModelConfig } from '../engine/config';
import { paramLayout, type TensorSpec } from '../engine/params';
import { directionCount, outputSize, readsTokens } from '../engine/task';
import type { Vocabulary } from '../engine/tokenizer';
import { CELLS } from '../engine/cells';
import { GATE_ORDERS, interleavedToBlockedBias, interleavedToBlockedCols } from './gates';
import { directionViews } from './pytorch';
import type { SeriesMetadata } from './seriesMetadata';
import { modelMetadata } from './weights';

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

function recurrentLayer(
  cell: keyof typeof KERAS_LAYER,
  name: string,
  H: number,
  /** The first layer of a forecast declares its input: (batch, T, Ci), T free. */
  batchInputShape?: (number | null)[],
) {
  const { className, extra } = KERAS_LAYER[cell];
  return {
    class_name: className,
    config: {
      name,
      ...(batchInputShape ? { batch_input_shape: batchInputShape, dtype: 'float32' } : {}),
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

/** Keras's default names: `lstm`, `lstm_1`, … (and `bidirectional`, `bidirectional_1`, …). */
function kerasName(prefix: string, l: number): string {
  return l === 0 ? prefix : `${prefix}_${l}`;
}

export function exportTfjs(
  model: ModelConfig,
  params: Float32Array,
  vocab: Vocabulary | null,
  weightsFile = 'model.weights.bin',
  /** More userDefinedMetadata (which weights, their step); config, vocab and series win. */
  extra: Record<string, string> = {},
  /** A forecast's columns and normalisation statistics (from the session); optional. */
  series?: SeriesMetadata,
): TfjsExport {
  const { vocabSize: V, embedSize: E, hiddenSize: H, cell } = model;
  if (cell === 'gru') throw new TfjsGruUnsupportedError();
  const G = CELLS[cell].gates;
  const D = directionCount(model);
  const O = outputSize(model);
  const DH = headInputSize(model);
  const order = GATE_ORDERS.keras[cell];
  const layout = paramLayout(model);
  if (params.length < layout.total) {
    throw new Error(`params has ${params.length} floats; the model needs ${layout.total}`);
  }
  // Checks the vocabulary against the task (and the series record) before anything is built.
  const meta = modelMetadata(model, vocab, series);
  const view = (t: TensorSpec) => params.slice(t.offset, t.offset + t.size);

  const layers: unknown[] = [];
  const weights: Weight[] = [];
  if (readsTokens(model)) {
    layers.push({
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
    });
    weights.push({ name: 'embedding/embeddings', shape: [V, E], data: view(layout.embedding) });
  }
  for (let l = 0; l < model.layers; l++) {
    const prefix = KERAS_LAYER[cell].prefix;
    const name = kerasName(prefix, l);
    const X = layerInputSize(model, l);
    // A forecast has no embedding to declare the input: the first layer does.
    const inputShape = !readsTokens(model) && l === 0 ? [null, null, X] : undefined;
    let scopes: string[];
    if (D === 1) {
      layers.push(recurrentLayer(cell, name, H, inputShape));
      scopes = [name];
    } else {
      const wrapper = kerasName('bidirectional', l);
      layers.push({
        class_name: 'Bidirectional',
        config: {
          name: wrapper,
          trainable: true,
          ...(inputShape ? { batch_input_shape: inputShape, dtype: 'float32' } : {}),
          layer: recurrentLayer(cell, name, H),
          merge_mode: 'concat',
        },
      });
      // TF.js names the two copies forward_<name> and backward_<name> inside the wrapper.
      scopes = [`${wrapper}/forward_${name}`, `${wrapper}/backward_${name}`];
    }
    scopes.forEach((scope, d) => {
      const lv = directionViews(layout, l, d);
      weights.push(
        {
          name: `${scope}/kernel`,
          shape: [X, G * H],
          data: interleavedToBlockedCols(view(lv.wx), X, H, order),
        },
        {
          name: `${scope}/recurrent_kernel`,
          shape: [H, G * H],
          data: interleavedToBlockedCols(view(lv.wh), H, H, order),
        },
        {
          name: `${scope}/bias`,
          shape: [G * H],
          data: interleavedToBlockedBias(view(lv.b), H, order),
        },
      );
    });
  }
  layers.push({
    class_name: 'Dense',
    config: {
      name: 'dense',
      trainable: true,
      units: O,
      activation: 'linear',
      use_bias: true,
      kernel_initializer: { class_name: 'Zeros', config: {} },
      bias_initializer: { class_name: 'Zeros', config: {} },
      ...NO_REGULARIZER,
    },
  });
  // Keras' Dense kernel is (D·H, O), the same as our head matrix.
  weights.push(
    { name: 'dense/kernel', shape: [DH, O], data: view(layout.headW) },
    { name: 'dense/bias', shape: [O], data: view(layout.headB) },
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
      config: { name: `gatescope_${model.task ?? 'lm'}_${D === 2 ? 'bi' : ''}${cell}`, layers },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    weightsManifest: [
      {
        paths: [weightsFile],
        weights: weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })),
      },
    ],
    // The same records as the other formats' metadata strings, as JSON objects.
    userDefinedMetadata: {
      ...extra,
      ...Object.fromEntries(Object.entries(meta).map(([k, v]) => [k, JSON.parse(v) as unknown])),
    },
  };
  return { modelJson: JSON.stringify(modelJson), weights: new Uint8Array(bin.buffer), weightsFile };
}
