// Early stopping in checkpoints: the record (best step and loss, validations
// without improvement, last step judged) and the best weights travel through
// the file and into a fresh backend exactly; best weights equal to the
// current ones are not written twice; a file without the record (written
// before early stopping) loads with none; a broken record is refused.
//
// Dimension legend: B batch, T window, V vocabulary.

import { describe, expect, it } from 'vitest';
import { Batcher, splitCorpus } from '../../../src/engine/batcher';
import {
  DEFAULT_OPTIMIZER,
  DEFAULT_REGULARIZATION,
  type TrainConfig,
} from '../../../src/engine/config';
import type { EarlyStoppingState } from '../../../src/engine/training/earlyStopping';
import { captureCheckpoint, loadCheckpoint, restoreCheckpoint } from '../../../src/io/checkpoint';
import { FormatError } from '../../../src/io/errors';
import { readSafetensors, writeSafetensors } from '../../../src/io/safetensors';
import { cpuBackend, seededParams, tinyCorpus, tinyModel, TEXT } from '../../helpers/io';
import { runSteps } from '../../helpers/training';

const corpus = tinyCorpus(TEXT.repeat(3));
const model = tinyModel(2, corpus);
const train: TrainConfig = {
  seqLen: 5,
  batchSize: 3,
  seed: 4,
  valFraction: 0.1,
  regularization: { ...DEFAULT_REGULARIZATION, patience: 4 },
  optimizer: { ...DEFAULT_OPTIMIZER, learningRate: 1e-2 },
};
const tokens = splitCorpus(corpus.tokens, train.valFraction).train;
const SHA = 'a'.repeat(64);

/** A backend trained 12 steps whose best weights were kept at step 7. */
async function trained() {
  const backend = cpuBackend(model, seededParams(model), train.batchSize, train.seqLen);
  const batcher = new Batcher(tokens, train.batchSize, train.seqLen, train.seed);
  await runSteps(backend, batcher, 7, train.optimizer);
  backend.keepBest();
  const best = await backend.getParams();
  await runSteps(backend, batcher, 5, train.optimizer);
  const record: EarlyStoppingState = {
    bestStep: 7,
    bestLoss: 2.012345678901234,
    withoutImprovement: [9, 11],
    lastJudged: 11,
  };
  return { backend, batcher, best, record };
}

const capture = (t: Awaited<ReturnType<typeof trained>>, record = t.record) =>
  captureCheckpoint(t.backend, t.batcher, {
    train,
    vocab: corpus.vocab,
    corpusSha256: SHA,
    earlyStopping: record,
  });

function loaded(bytes: Uint8Array) {
  const file = loadCheckpoint(bytes, { requireCheckpoint: true });
  if (file.kind !== 'checkpoint') throw new Error('not a checkpoint');
  return file;
}

describe('early stopping in checkpoints', () => {
  it('the record and the best weights restore exactly into a fresh backend', async () => {
    const t = await trained();
    const file = loaded(await capture(t));
    const { bestParams, ...record } = file.earlyStopping!;
    expect(record).toEqual(t.record);
    expect(bestParams).toEqual(t.best);
    expect(file.params).not.toEqual(t.best);
    const names = [...readSafetensors(await capture(t)).tensors.keys()];
    expect(names.filter((n) => n.startsWith('state.best.')).length).toBe(
      names.filter((n) => n.startsWith('adam.m.')).length,
    );

    const fresh = cpuBackend(model, seededParams(model, 99), train.batchSize, train.seqLen);
    fresh.keepBest(); // a stale best, which the restore must replace
    const batcher = new Batcher(tokens, train.batchSize, train.seqLen, train.seed);
    await restoreCheckpoint(fresh, batcher, file);
    expect(fresh.bestStep).toBe(7);
    expect(await fresh.getBestParams()).toEqual(t.best);
    expect(await fresh.getParams()).toEqual(await t.backend.getParams());
    // And restoring the best puts exactly those weights in place.
    await fresh.restoreBest();
    expect(await fresh.getParams()).toEqual(t.best);
  });

  it('best weights equal to the current ones are not written twice', async () => {
    const t = await trained();
    t.backend.keepBest();
    const record = { ...t.record, bestStep: 12, withoutImprovement: [], lastJudged: 12 };
    const bytes = await capture(t, record);
    const names = [...readSafetensors(bytes).tensors.keys()];
    expect(names.some((n) => n.startsWith('state.best.'))).toBe(false);
    const file = loaded(bytes);
    expect(file.earlyStopping?.bestParams).toEqual(file.params);
    expect(file.earlyStopping?.bestStep).toBe(12);
  });

  it('a file without the record loads with none; a broken record is refused', async () => {
    const t = await trained();
    const file = readSafetensors(await capture(t));
    const { early_stopping: record, ...older } = file.metadata;
    expect(record).toBeDefined();
    const bestless = [...file.tensors.values()].filter((x) => !x.name.startsWith('state.best.'));
    expect(loaded(writeSafetensors(bestless, older)).earlyStopping).toBeUndefined();

    const broken = (edit: Record<string, unknown>) => {
      const meta = {
        ...file.metadata,
        early_stopping: JSON.stringify({ ...JSON.parse(record), ...edit }),
      };
      return () => loadCheckpoint(writeSafetensors([...file.tensors.values()], meta));
    };
    expect(broken({ bestStep: 13 })).toThrow(FormatError); // past the checkpoint's step
    expect(broken({ bestLoss: 'low' })).toThrow(FormatError);
    expect(broken({ withoutImprovement: [-1] })).toThrow(FormatError);
    expect(broken({ bestWeights: 'elsewhere' })).toThrow(FormatError);
    // Said to have best weights of its own, and they are missing.
    const missing = { ...file.metadata };
    expect(() => loadCheckpoint(writeSafetensors(bestless, missing))).toThrow(/state\.best\./);
  });
});
