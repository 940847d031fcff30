// Checkpoints on the CPU backend: training resumed from a checkpoint takes
// exactly the steps the uninterrupted run takes (bit-identical losses), across
// an epoch boundary, for every cell (the GRU's b_hn and its moments included);
// plain weights load with a fresh optimizer; a checkpoint of another corpus or
// a damaged one is refused.

import { describe, expect, test } from 'vitest';
import { Batcher, splitCorpus } from '../../../src/engine/batcher';
import {
  DEFAULT_OPTIMIZER,
  type ModelConfig,
  type TrainConfig,
  DEFAULT_REGULARIZATION,
  modelConfigFields,
} from '../../../src/engine/config';
import {
  captureCheckpoint,
  loadCheckpoint,
  restoreCheckpoint,
  saveCheckpoint,
  type TrainingSnapshot,
} from '../../../src/io/checkpoint';
import { CorpusMismatchError, FormatError } from '../../../src/io/errors';
import { sha256Hex } from '../../../src/io/hash';
import { readSafetensors, writeSafetensors } from '../../../src/io/safetensors';
import { exportSafetensors, importWeights } from '../../../src/io/weights';
import { cpuBackend, seededParams, tinyCorpus, tinyModel, TEXT } from '../../helpers/io';
import { runSteps } from '../../helpers/training';

const corpus = tinyCorpus(TEXT.repeat(3));
const model = tinyModel(2, corpus);
const train: TrainConfig = {
  seqLen: 5,
  batchSize: 3,
  seed: 42,
  valFraction: 0.1,
  regularization: DEFAULT_REGULARIZATION,
  optimizer: { ...DEFAULT_OPTIMIZER, learningRate: 1e-2, weightDecay: 0.01, clipNorm: 1 },
};
const tokens = splitCorpus(corpus.tokens, train.valFraction).train;

describe('checkpoint → resume on the CPU backend', () => {
  test('the next 10 losses are identical to the uninterrupted run, across an epoch boundary', async () => {
    const corpusSha256 = await sha256Hex(corpus.text);
    const a = cpuBackend(model, seededParams(model), train.batchSize, train.seqLen);
    const batcherA = new Batcher(tokens, train.batchSize, train.seqLen, train.seed);
    // Stop a few windows before the epoch ends so the 10 resumed steps cross it.
    const before = batcherA.windowsPerEpoch + batcherA.windowsPerEpoch - 3;
    await runSteps(a, batcherA, before, train.optimizer);
    const bytes = await captureCheckpoint(a, batcherA, {
      train,
      vocab: corpus.vocab,
      corpusSha256,
      extra: { name: 'run 1' },
    });
    expect((await a.getState()).h.some((x) => x !== 0)).toBe(true);
    const uninterrupted = await runSteps(a, batcherA, 10, train.optimizer);

    const loaded = loadCheckpoint(bytes, {
      corpusVocab: corpus.vocab,
      corpusSha256,
      requireCheckpoint: true,
    });
    expect(loaded.kind).toBe('checkpoint');
    if (loaded.kind !== 'checkpoint') return;
    expect(loaded.optimizer.step).toBe(before);
    expect(loaded.train).toEqual(train);
    expect(loaded.extra).toEqual({ name: 'run 1' });
    // A fresh backend with other weights and a fresh batcher: everything must come from the file.
    const b = cpuBackend(model, seededParams(model, 999), train.batchSize, train.seqLen);
    const batcherB = new Batcher(
      tokens,
      loaded.train.batchSize,
      loaded.train.seqLen,
      loaded.train.seed,
    );
    await restoreCheckpoint(b, batcherB, loaded);
    expect(b.step).toBe(before);
    const resumed = await runSteps(b, batcherB, 10, train.optimizer);
    console.log(
      `resumed losses (first 3): ${resumed
        .slice(0, 3)
        .map((x) => x.toFixed(6))
        .join(', ')}`,
    );
    expect(resumed).toEqual(uninterrupted);
    expect(await b.getParams()).toEqual(await a.getParams());
  });

  test('plain weights load with a fresh optimizer; a checkpoint imports as weights too', async () => {
    const params = seededParams(model, 5);
    const weights = loadCheckpoint(exportSafetensors(model, params, corpus.vocab));
    expect(weights.kind).toBe('weights');
    expect(weights.params).toEqual(params);
    expect(() =>
      loadCheckpoint(exportSafetensors(model, params, corpus.vocab), { requireCheckpoint: true }),
    ).toThrow(/weights file without training state/);

    const snapshot = await snapshotOf(params);
    const asWeights = importWeights(saveCheckpoint(snapshot));
    expect(asWeights.params).toEqual(params);
  });
});

describe.each(['gru', 'rnn'] as const)('checkpoint → resume, %s', (cell) => {
  const cellModel: ModelConfig = { ...model, cell };

  test('the next 8 losses and the weights are identical to the uninterrupted run', async () => {
    const corpusSha256 = await sha256Hex(corpus.text);
    const a = cpuBackend(cellModel, seededParams(cellModel), train.batchSize, train.seqLen);
    const batcherA = new Batcher(tokens, train.batchSize, train.seqLen, train.seed);
    // Past the first epoch, so the carried h and the Adam moments are all in play.
    const before = batcherA.windowsPerEpoch + 4;
    await runSteps(a, batcherA, before, train.optimizer);
    const bytes = await captureCheckpoint(a, batcherA, {
      train,
      vocab: corpus.vocab,
      corpusSha256,
      extra: {},
    });
    // The file names the cell's PyTorch module; the GRU's b_hn has moments of its own.
    const names = [...readSafetensors(bytes).tensors.keys()];
    expect(names).toContain(`${cell}.weight_hh_l1`);
    expect(names.some((n) => n.startsWith('lstm.'))).toBe(false);
    if (cell === 'gru') expect(names).toContain('adam.m.gru.0.bhn');
    const uninterrupted = await runSteps(a, batcherA, 8, train.optimizer);

    const loaded = loadCheckpoint(bytes, {
      corpusVocab: corpus.vocab,
      corpusSha256,
      requireCheckpoint: true,
    });
    if (loaded.kind !== 'checkpoint') throw new Error('not loaded as a checkpoint');
    expect(loaded.model).toEqual(modelConfigFields(cellModel));
    const b = cpuBackend(cellModel, seededParams(cellModel, 999), train.batchSize, train.seqLen);
    const batcherB = new Batcher(tokens, train.batchSize, train.seqLen, train.seed);
    await restoreCheckpoint(b, batcherB, loaded);
    const resumed = await runSteps(b, batcherB, 8, train.optimizer);
    console.log(
      `${cell} resumed losses (first 3): ${resumed.slice(0, 3).map((x) => x.toFixed(6))}`,
    );
    expect(resumed).toEqual(uninterrupted);
    expect(await b.getParams()).toEqual(await a.getParams());
  });
});

async function snapshotOf(params: Float32Array): Promise<TrainingSnapshot> {
  const { layers: L, hiddenSize: H } = model;
  const n = params.length;
  return {
    model,
    train,
    vocab: corpus.vocab,
    params,
    optimizer: { m: new Float32Array(n).fill(0.1), v: new Float32Array(n).fill(0.2), step: 7 },
    state: {
      h: new Float32Array(L * train.batchSize * H).fill(0.3),
      c: new Float32Array(L * train.batchSize * H),
    },
    batcher: { epoch: 1, window: 2, shift: 3, rng: { hi: 4, lo: 5 } },
    corpusSha256: await sha256Hex(corpus.text),
  };
}

describe('loadCheckpoint refuses', () => {
  test('a checkpoint of another corpus, saying what to do', async () => {
    const bytes = saveCheckpoint(await snapshotOf(seededParams(model)));
    const other = await sha256Hex('another text');
    let err: unknown;
    try {
      loadCheckpoint(bytes, { corpusSha256: other });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CorpusMismatchError);
    expect((err as Error).message).toMatch(/different text; load its weights alone/);
  });

  const damage: [
    string,
    (
      t: Map<string, { name: string; shape: number[]; data: Float32Array }>,
      m: Record<string, string>,
    ) => void,
    string,
  ][] = [
    ['a missing moment', (t) => t.delete('adam.m.lstm.1.wh'), 'missing-tensor'],
    [
      'an unknown state tensor',
      (t) => t.set('state.x', { name: 'state.x', shape: [1], data: new Float32Array(1) }),
      'unexpected-tensor',
    ],
    [
      'a wrong state shape',
      (t) => t.set('state.h', { name: 'state.h', shape: [1], data: new Float32Array(1) }),
      'shape-mismatch',
    ],
    ['negative second moments', (t) => t.get('adam.v.head.b')!.data.fill(-1), 'non-finite'],
    ['a bad step', (_t, m) => (m.step = '-3'), 'metadata-invalid'],
    ['a bad batcher position', (_t, m) => (m.batcher = '{"epoch":1}'), 'metadata-invalid'],
    [
      'bad hyperparameters',
      (_t, m) => (m.train = JSON.stringify({ ...train, seqLen: 0 })),
      'metadata-invalid',
    ],
    ['no corpus hash', (_t, m) => delete m.corpus_sha256, 'metadata-invalid'],
    ['an unknown format', (_t, m) => (m.format = 'something.else'), 'metadata-invalid'],
  ];
  test.each(damage)('%s', async (_name, edit, code) => {
    const file = readSafetensors(saveCheckpoint(await snapshotOf(seededParams(model))));
    const meta = { ...file.metadata };
    edit(file.tensors, meta);
    const bytes = writeSafetensors([...file.tensors.values()], meta);
    let err: unknown;
    try {
      loadCheckpoint(bytes);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).code).toBe(code);
  });

  test('a batcher position that does not fit the corpus, on restore', async () => {
    const snapshot = await snapshotOf(seededParams(model));
    const batcher = new Batcher(tokens, train.batchSize, train.seqLen, train.seed);
    const backend = cpuBackend(model, seededParams(model), train.batchSize, train.seqLen);
    await expect(
      restoreCheckpoint(backend, batcher, {
        ...snapshot,
        batcher: { ...snapshot.batcher, window: 10_000 },
      }),
    ).rejects.toMatchObject({ code: 'corpus-mismatch' });
    // A shift past the slack would read beyond a stream's segment.
    for (const shift of [batcher.segment, -1, 0.5]) {
      await expect(
        restoreCheckpoint(backend, batcher, {
          ...snapshot,
          batcher: { ...snapshot.batcher, shift },
        }),
      ).rejects.toMatchObject({ code: 'corpus-mismatch' });
    }
    const wrongShape = new Batcher(tokens, 2, train.seqLen, train.seed);
    await expect(restoreCheckpoint(backend, wrongShape, snapshot)).rejects.toMatchObject({
      code: 'config-mismatch',
    });
  });
});
