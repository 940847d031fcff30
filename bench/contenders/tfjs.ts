// The TensorFlow.js contender: the same model, batch and initial weights as
// gatescope, trained with tf.layers + Adam on any tfjs backend (webgpu, webgl,
// wasm, cpu). Runs in the browser and in Node. The recurrent layers per cell:
//   lstm  tf.layers.lstm (recurrentActivation sigmoid; tfjs defaults to hardSigmoid)
//   rnn   tf.layers.simpleRNN (tanh)
//   gru   tf.layers.rnn over PytorchGruCell (tfjsGruCell.ts): tf.layers.gru
//         refuses resetAfter, and its reset-before GRU is another function
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers. tfjs wants batch-major (B, T) inputs; gatescope batches are
// time-major (T, B), so they are transposed once per batch, outside the timing.

import type * as tfType from '@tensorflow/tfjs';
import type { Batch } from '../../src/engine/backend';
import type { ModelConfig, OptimizerConfig } from '../../src/engine/config';
import { CELLS } from '../../src/engine/cells';
import { layerInputSize } from '../../src/engine/config';
import { paramLayout } from '../../src/engine/params';
import {
  GATE_ORDERS,
  interleavedToBlockedBias,
  interleavedToBlockedCols,
} from '../../src/io/gates';
import { pytorchGruCellClass } from './tfjsGruCell';

type Tf = typeof tfType;

export interface TfjsContender {
  /** One training step (forward, loss, backward, Adam) on a prepared batch; resolves when done. */
  trainStep(batch: PreparedBatch): Promise<number>;
  /** Several steps back to back, waiting only for the last loss (no stall in between). */
  trainSteps(batches: PreparedBatch[]): Promise<number>;
  /** Mean loss of a batch without training, for the agreement check. */
  loss(batch: PreparedBatch): Promise<number>;
  prepare(batch: Batch): PreparedBatch;
  dispose(): void;
}

export interface PreparedBatch {
  inputs: tfType.Tensor; // (B, T) int32 token ids, or (B, T, V) one-hot with oneHotInputs
  targets: tfType.Tensor3D; // (B, T, V) one-hot
}

/** The cell's recurrent layer, returning sequences, weights set afterwards. */
function recurrentLayer(tf: Tf, cell: ModelConfig['cell'], H: number): tfType.layers.Layer {
  // Our weights replace the initial ones at once; the default orthogonal init is slow at H ≥ 45.
  const init = { units: H, returnSequences: true, recurrentInitializer: 'zeros' } as const;
  switch (cell) {
    case 'lstm':
      return tf.layers.lstm({ ...init, recurrentActivation: 'sigmoid', unitForgetBias: false });
    case 'rnn':
      return tf.layers.simpleRNN({ ...init, activation: 'tanh' });
    case 'gru': {
      const Cell = pytorchGruCellClass(tf);
      return tf.layers.rnn({ cell: new Cell(H), returnSequences: true });
    }
  }
}

/**
 * Builds Embedding → L × the cell's recurrent layer → Dense(V), with
 * gatescope's initial weights (gates converted to Keras's blocks: LSTM i, f,
 * c, o; GRU z, r, h; the one bias to the layer's bias, the GRU's b_hn to its
 * recurrent bias).
 */
export function createTfjsContender(
  tf: Tf,
  model: ModelConfig,
  params: Float32Array,
  optimizer: OptimizerConfig,
  seqLen: number,
  /**
   * Feed one-hot inputs to a bias-free Dense(E) instead of an Embedding: the
   * same function, for tfjs backends without the embedding gradient's
   * UnsortedSegmentSum kernel (wasm).
   */
  oneHotInputs = false,
): TfjsContender {
  const { vocabSize: V, embedSize: E, hiddenSize: H, layers: L, cell } = model;
  const G = CELLS[cell].gates;
  const order = GATE_ORDERS.keras[cell];
  const layout = paramLayout(model);
  const view = (t: { offset: number; size: number }) =>
    params.subarray(t.offset, t.offset + t.size);

  const net = tf.sequential();
  if (oneHotInputs) {
    net.add(tf.layers.dense({ units: E, useBias: false, inputShape: [seqLen, V] }));
  } else {
    net.add(tf.layers.embedding({ inputDim: V, outputDim: E, inputLength: seqLen }));
  }
  for (let l = 0; l < L; l++) net.add(recurrentLayer(tf, cell, H));
  net.add(tf.layers.dense({ units: V }));
  net.build(oneHotInputs ? [null, seqLen, V] : [null, seqLen]);

  const weights: tfType.Tensor[] = [tf.tensor2d(view(layout.embedding), [V, E])];
  for (let l = 0; l < L; l++) {
    const X = layerInputSize(model, l);
    const lw = layout.layers[l];
    weights.push(tf.tensor2d(interleavedToBlockedCols(view(lw.wx), X, H, order), [X, G * H]));
    weights.push(tf.tensor2d(interleavedToBlockedCols(view(lw.wh), H, H, order), [H, G * H]));
    weights.push(tf.tensor1d(interleavedToBlockedBias(view(lw.b), H, order)));
    if (lw.bhn) weights.push(tf.tensor1d(view(lw.bhn)));
  }
  weights.push(tf.tensor2d(view(layout.headW), [H, V]));
  weights.push(tf.tensor1d(view(layout.headB)));
  net.setWeights(weights);
  weights.forEach((w) => w.dispose());

  const adam = tf.train.adam(
    optimizer.learningRate,
    optimizer.beta1,
    optimizer.beta2,
    optimizer.epsilon,
  );

  const lossOf = (batch: PreparedBatch) =>
    tf.losses.softmaxCrossEntropy(batch.targets, net.apply(batch.inputs) as tfType.Tensor3D);

  return {
    prepare(batch: Batch): PreparedBatch {
      const { seqLen: T, batchSize: B } = batch;
      const inputs = new Int32Array(B * T);
      const targets = new Int32Array(B * T);
      for (let t = 0; t < T; t++) {
        for (let b = 0; b < B; b++) {
          inputs[b * T + t] = batch.inputs[t * B + b];
          targets[b * T + t] = batch.targets[t * B + b];
        }
      }
      return {
        inputs: oneHotInputs
          ? tf.tidy(() => tf.oneHot(tf.tensor2d(inputs, [B, T], 'int32'), V).toFloat())
          : tf.tensor2d(inputs, [B, T], 'int32'),
        targets: tf.tidy(() =>
          tf.oneHot(tf.tensor2d(targets, [B, T], 'int32'), V).toFloat(),
        ) as tfType.Tensor3D,
      };
    },
    trainStep(batch: PreparedBatch): Promise<number> {
      return this.trainSteps([batch]);
    },
    async trainSteps(batches: PreparedBatch[]): Promise<number> {
      let last: tfType.Scalar | null = null;
      for (const batch of batches) {
        last?.dispose();
        last = adam.minimize(() => lossOf(batch) as tfType.Scalar, true);
      }
      const value = last ? (await last.data())[0] : NaN;
      last?.dispose();
      return value;
    },
    async loss(batch: PreparedBatch): Promise<number> {
      const loss = tf.tidy(() => lossOf(batch));
      const value = (await loss.data())[0];
      loss.dispose();
      return value;
    },
    dispose() {
      net.dispose();
      adam.dispose();
    },
  };
}
