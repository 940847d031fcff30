// Checkpoints of the issue-15 models: a forecast's checkpoint holds its series
// record (columns, training-split mean and std) and no vocabulary, and a run
// resumed from it on the CPU backend takes exactly the steps the uninterrupted
// run takes; a bidirectional tagger's checkpoint keeps its task and direction
// (and its vocabulary), so it never comes back as a language model.
//
// Dimension legend: T window, B batch, H hidden, L layers, Ci/Co values read
// and predicted per step.

import { describe, expect, test } from 'vitest';
import type { Batch } from '../../../src/engine/backend';
import {
  DEFAULT_OPTIMIZER,
  DEFAULT_REGULARIZATION,
  modelConfigFields,
  type ModelConfig,
  type TrainConfig,
} from '../../../src/engine/config';
import { generateSeries } from '../../../src/series/generators';
import { fitNormalization, normalize, splitSeries } from '../../../src/series/normalize';
import { SeriesBatcher, sliceRows, type SeriesLayout } from '../../../src/series/windows';
import { loadCheckpoint, saveCheckpoint } from '../../../src/io/checkpoint';
import { seriesMetadataOf } from '../../../src/io/seriesMetadata';
import { importWeights } from '../../../src/io/weights';
import {
  codeOf,
  cpuBackend,
  emptyTrainingState,
  seededParams,
  tinyCorpus,
  tinyModel,
} from '../../helpers/io';

const SHA = 'ab'.repeat(32);
const train: TrainConfig = {
  seqLen: 8,
  batchSize: 2,
  seed: 9,
  valFraction: 0.2,
  regularization: DEFAULT_REGULARIZATION,
  optimizer: { ...DEFAULT_OPTIMIZER, learningRate: 1e-2 },
};

describe('a forecast checkpoint', () => {
  const N = 300;
  const raw = [generateSeries('sines', N, 4), generateSeries('mackey-glass', N, 5)];
  const stats = fitNormalization(raw, train.valFraction);
  const columns = raw.map((c, k) => normalize(c, stats[k]));
  const trainCols = sliceRows(columns, 0, splitSeries(N, train.valFraction).trainRows);
  const layout: SeriesLayout = { inputColumns: [0, 1], targetColumns: [1] };
  const series = seriesMetadataOf(['sines', 'glass'], layout, stats);
  const model: ModelConfig = {
    vocabSize: 0,
    task: 'forecast',
    seriesInputs: 2,
    seriesOutputs: 1,
    cell: 'lstm',
    embedSize: 4,
    hiddenSize: 6,
    layers: 2,
  };
  const batcherOf = () =>
    new SeriesBatcher(trainCols, layout, train.batchSize, train.seqLen, train.seed);
  const step = (backend: ReturnType<typeof cpuBackend>, batcher: SeriesBatcher) => {
    const { batch, startsEpoch } = batcher.next();
    if (startsEpoch) backend.resetState();
    const b: Batch = {
      inputs: new Int32Array(0),
      targets: new Int32Array(0),
      values: batch.inputs,
      targetValues: batch.targets,
      seqLen: batch.seqLen,
      batchSize: batch.batchSize,
    };
    backend.trainStep(b, train.optimizer);
  };

  test('holds the series record, no vocabulary, and resumes exactly', async () => {
    const a = cpuBackend(model, seededParams(model, 3), train.batchSize, train.seqLen);
    const batcherA = batcherOf();
    for (let k = 0; k < 5; k++) step(a, batcherA);
    await a.drainLosses();
    const bytes = saveCheckpoint({
      model,
      train,
      vocab: null,
      series,
      params: await a.getParams(),
      optimizer: await a.getOptimizerState(),
      state: await a.getState(),
      batcher: batcherA.getPosition(),
      corpusSha256: SHA,
    });
    for (let k = 0; k < 4; k++) step(a, batcherA);
    const uninterrupted = (await a.drainLosses()).map((s) => s.loss);

    // A text session's vocabulary does not apply to a forecast: it is ignored, not checked.
    const loaded = loadCheckpoint(bytes, {
      requireCheckpoint: true,
      corpusVocab: tinyCorpus().vocab,
    });
    if (loaded.kind !== 'checkpoint') throw new Error('not read as a checkpoint');
    expect(loaded.model).toEqual(modelConfigFields(model));
    expect(loaded.vocab).toBeNull();
    expect(loaded.series).toEqual(series);

    const b = cpuBackend(model, seededParams(model, 99), train.batchSize, train.seqLen);
    await b.setParams(loaded.params, loaded.optimizer);
    await b.setState(loaded.state);
    const batcherB = batcherOf();
    batcherB.setPosition(loaded.batcher);
    for (let k = 0; k < 4; k++) step(b, batcherB);
    const resumed = (await b.drainLosses()).map((s) => s.loss);
    console.log(`forecast resumed losses: ${resumed.map((x) => x.toFixed(6)).join(', ')}`);
    expect(resumed).toEqual(uninterrupted);

    // As plain weights too: a forecast, with its record.
    const weights = importWeights(bytes);
    expect(weights.model.task).toBe('forecast');
    expect(weights.series).toEqual(series);
  });
});

describe('a bidirectional tagger checkpoint', () => {
  const corpus = tinyCorpus();
  const model: ModelConfig = { ...tinyModel(2, corpus), task: 'case', direction: 'bi' };
  const params = seededParams(model, 8);
  const bytes = saveCheckpoint({
    model,
    train,
    vocab: corpus.vocab,
    params,
    ...emptyTrainingState(model, params, train.batchSize),
    batcher: { epoch: 0, window: 3, shift: 1, rng: { hi: 1, lo: 2 } },
    corpusSha256: SHA,
  });

  test('keeps the task and direction and the vocabulary', () => {
    const loaded = loadCheckpoint(bytes, { corpusVocab: corpus.vocab });
    if (loaded.kind !== 'checkpoint') throw new Error('not read as a checkpoint');
    expect(loaded.model).toMatchObject({ task: 'case', direction: 'bi' });
    expect(loaded.vocab!.itos).toEqual(corpus.vocab.itos);
    expect(loaded.params).toEqual(params);
    expect(loaded.series).toBeUndefined();
  });

  test('is not taken for the language model of the same sizes', () => {
    const lm = tinyModel(2, corpus);
    expect(codeOf(() => loadCheckpoint(bytes, { expectModel: lm }))).toBe('config-mismatch');
    expect(() => loadCheckpoint(bytes, { expectModel: lm })).toThrow(
      /holds bidirectional LSTM \(task case\) V=\d+, E=6, H=7, L=2 but the current model is LSTM V=/,
    );
  });
});
