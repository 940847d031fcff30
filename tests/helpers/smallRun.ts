// The small run the training-loop tests share: a repetitive two-sentence
// corpus, a one-layer model that learns it in a few steps, and the training
// settings, so the GPU loop and its divergence handling train the same thing.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary, L layers.

import {
  DEFAULT_OPTIMIZER,
  type ModelConfig,
  type TrainConfig,
  DEFAULT_REGULARIZATION,
} from '../../src/engine/config';
import { buildCorpus } from '../../src/engine/tokenizer';

export const corpus = buildCorpus('the cat sat on the mat.\na dog ran to the park.\n'.repeat(60));

export const model: ModelConfig = {
  cell: 'lstm',
  vocabSize: corpus.vocab.size,
  embedSize: 8, // E
  hiddenSize: 16, // H
  layers: 1, // L
};

export const train: TrainConfig = {
  seqLen: 8, // T
  batchSize: 4, // B
  seed: 2,
  valFraction: 0.1,
  regularization: DEFAULT_REGULARIZATION,
  optimizer: { ...DEFAULT_OPTIMIZER, learningRate: 1e-2 },
};
