// Divergence is survived on the CPU reference (issue 11): a NaN injected into
// the live weights, a one-step learning-rate spike and a learning rate far
// too high all roll the run back to an in-memory snapshot with the learning
// rate halved; training goes on with finite losses, or, after three rollbacks
// in a row, stops with the model back at its last good snapshot. Snapshots
// are exact: a replay from one repeats the original run bit for bit.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary, L layers.

import { describe, expect, it } from 'vitest';
import { Batcher, splitCorpus } from '../../../src/engine/batcher';
import {
  DEFAULT_OPTIMIZER,
  type ModelConfig,
  type TrainConfig,
  DEFAULT_REGULARIZATION,
} from '../../../src/engine/config';
import { CpuBackend } from '../../../src/engine/cpu/backend';
import { initParams } from '../../../src/engine/params';
import type { EngineMessage, EngineMessageOf, MetricsMessage } from '../../../src/worker/protocol';
import { Rng } from '../../../src/engine/rng';
import { buildCorpus } from '../../../src/engine/tokenizer';
import { DivergedError } from '../../../src/engine/training/divergence';
import { captureCheckpoint, loadCheckpoint } from '../../../src/io';
import { exportFiles } from '../../../src/io/bundle';
import { injectNaN, spikeLearningRate } from '../../helpers/divergence';
import { cpuTrainer, EAGER_LOOP } from '../../helpers/trainerEvents';
import { until } from '../../helpers/until';

const TEXT = 'the cat sat on the mat.\na dog ran to the park.\n'.repeat(150);
const LEARNING_RATE = 1e-2;
/**
 * Adam moves each weight by about the learning rate per step, so even the
 * settings' largest rate (1) or 1e36 leaves these models' losses huge but
 * finite for many steps; 1e38 overflows float32 within two. It is handed to
 * the trainer directly (the settings refuse it) to force real divergence.
 */
const HUGE_LEARNING_RATE = 1e38;

function setUp(snapshotEvery = 5) {
  const corpus = buildCorpus(TEXT);
  const model: ModelConfig = {
    cell: 'lstm',
    vocabSize: corpus.vocab.size,
    embedSize: 8,
    hiddenSize: 16,
    layers: 2,
  };
  const train: TrainConfig = {
    seqLen: 16,
    batchSize: 4,
    seed: 5,
    valFraction: 0.1,
    regularization: DEFAULT_REGULARIZATION,
    optimizer: { ...DEFAULT_OPTIMIZER, learningRate: LEARNING_RATE },
  };
  const { backend, trainer, messages, failures } = cpuTrainer(corpus, model, train, {
    ...EAGER_LOOP,
    snapshotEvery,
  });
  return { corpus, model, train, backend, trainer, messages, failures };
}

type Rollback = EngineMessageOf<'rollback'>;
const rollbacks = (messages: EngineMessage[]) =>
  messages.filter((m): m is Rollback => m.type === 'rollback');

/** Training (step, loss) pairs posted after message index `from`. */
function trainLossesAfter(messages: EngineMessage[], from: number): [number, number][] {
  const out: [number, number][] = [];
  for (const m of messages.slice(from)) {
    if (m.type !== 'metrics') continue;
    const train = (m as MetricsMessage).train;
    for (let k = 0; k < train.length; k += 2) out.push([train[k], train[k + 1]]);
  }
  return out;
}

const allFinite = (xs: ArrayLike<number>) => Array.from(xs).every(Number.isFinite);

/** The training state as a checkpoint (with the trainer's optimizer settings) and every export. */
async function saveEverything(s: ReturnType<typeof setUp>) {
  const bytes = await s.trainer.exclusive((backend, batcher) =>
    captureCheckpoint(backend, batcher, {
      train: { ...s.train, optimizer: s.trainer.optimizerConfig },
      vocab: s.corpus.vocab,
      corpusSha256: '0'.repeat(64),
    }),
  );
  const checkpoint = loadCheckpoint(bytes, { requireCheckpoint: true });
  if (checkpoint.kind !== 'checkpoint') throw new Error('not a checkpoint');
  const params = await s.trainer.exclusive((backend) => backend.getParams());
  const exports = (['safetensors', 'onnx', 'tfjs'] as const).flatMap((kind) =>
    exportFiles(kind, s.model, params, s.corpus.vocab),
  );
  return { checkpoint, params, exports };
}

/** Rolls back after the divergence, halves the learning rate, trains on finite, saves finite. */
async function expectSurvived(s: ReturnType<typeof setUp>, divergedAt: number) {
  await until('the rollback message', () => rollbacks(s.messages).length > 0);
  const [rollback] = rollbacks(s.messages);
  const at = s.messages.indexOf(rollback);
  expect(rollback.fromStep).toBeGreaterThanOrEqual(divergedAt);
  expect(rollback.toStep).toBeLessThan(divergedAt);
  expect(rollback.learningRate).toBe(LEARNING_RATE / 2);
  expect(rollback.message).toMatch(
    new RegExp(
      `^training diverged at step ${rollback.fromStep} \\(.+\\): rolled back to step ` +
        `${rollback.toStep} and halved the learning rate, 0\\.01 → 0\\.005; training goes on$`,
    ),
  );
  expect(s.trainer.optimizerConfig.learningRate).toBe(LEARNING_RATE / 2);

  await until('training well past the divergence', () => s.trainer.step >= divergedAt + 20);
  await until('losses past the divergence', () =>
    trainLossesAfter(s.messages, at).some(([step]) => step >= divergedAt + 15),
  );
  const after = trainLossesAfter(s.messages, at);
  // Posted after the message: losses up to the snapshot not posted yet, then the steps
  // from the snapshot on, each once and in order; every one finite.
  const replayed = after.map(([step]) => step).filter((step) => step > rollback.toStep);
  expect(replayed).toEqual(replayed.map((_, k) => rollback.toStep + 1 + k));
  expect(after.every(([, loss]) => Number.isFinite(loss))).toBe(true);
  expect(s.failures).toEqual([]);
  expect(rollbacks(s.messages)).toHaveLength(1);
  s.trainer.pause();

  const { checkpoint, params, exports } = await saveEverything(s);
  expect(checkpoint.optimizer.step).toBeGreaterThan(divergedAt);
  expect(checkpoint.train.optimizer.learningRate).toBe(LEARNING_RATE / 2);
  expect(allFinite(checkpoint.params) && allFinite(checkpoint.optimizer.m)).toBe(true);
  expect(allFinite(params)).toBe(true);
  expect(exports.map((f) => f.name)).toEqual([
    ...['model.safetensors', 'vocab.json', 'README.md'],
    ...['model.onnx', 'vocab.json', 'README.md'],
    ...['model.json', 'model.weights.bin', 'vocab.json', 'README.md'],
  ]);
  const weights = loadCheckpoint(exports[0].bytes, {
    vocabJson: new TextDecoder().decode(exports[1].bytes),
  });
  expect(allFinite(weights.params)).toBe(true);
}

describe('divergence on the CPU backend', () => {
  it('a NaN injected into the live weights rolls back, halves the learning rate and trains on', async () => {
    const s = setUp();
    s.trainer.start();
    await until('12 steps', () => s.trainer.step >= 12);
    const injectedAfter = await s.trainer.exclusive(async (backend) => {
      injectNaN(backend);
      return backend.step;
    });
    await expectSurvived(s, injectedAfter + 1);
    // The NaN made the next loss NaN: the state it started from is condemned, so the
    // rollback went to an earlier snapshot.
    expect(rollbacks(s.messages)[0].fromStep).toBe(injectedAfter + 1);
    expect(rollbacks(s.messages)[0].toStep).toBeLessThan(injectedAfter);
    await s.trainer.dispose();
  });

  it('a one-step learning-rate spike to 1e38 rolls back and trains on', async () => {
    const s = setUp();
    spikeLearningRate(s.backend, 14, HUGE_LEARNING_RATE);
    s.trainer.start();
    await expectSurvived(s, 14);
    await s.trainer.dispose();
  });

  it('a learning rate far too high stops after three rollbacks in a row, back at a good snapshot', async () => {
    // Snapshots far apart: at these rates the run diverges again (within a few steps) long
    // before the next snapshot, so the three rollbacks are surely in a row.
    const s = setUp(30);
    s.trainer.start();
    await until('12 steps', () => s.trainer.step >= 12);
    s.trainer.setOptimizer({ ...s.train.optimizer, learningRate: HUGE_LEARNING_RATE });
    await until('training to stop', () => s.failures.length > 0);
    const seen = rollbacks(s.messages);
    expect(seen.map((r) => r.learningRate)).toEqual([
      HUGE_LEARNING_RATE / 2,
      HUGE_LEARNING_RATE / 4,
      HUGE_LEARNING_RATE / 8,
    ]);
    expect(seen[2].message).not.toMatch(/training goes on/);
    const [failure] = s.failures;
    expect(failure).toBeInstanceOf(DivergedError);
    expect(String(failure)).toMatch(
      new RegExp(
        `training stopped: it diverged 3 times in a row without getting past step ` +
          `${seen[2].toStep}, even after halving the learning rate each time.*lower the ` +
          'learning rate',
      ),
    );
    expect(s.trainer.isTraining).toBe(false);
    // The model in memory is the good snapshot, and saves as such (with a learning rate a
    // checkpoint can hold: 1e38 is beyond the settings' range, set here only to force overflow).
    expect(s.trainer.step).toBe(seen[2].toStep);
    s.trainer.setOptimizer(s.train.optimizer);
    const { checkpoint, params } = await saveEverything(s);
    expect(allFinite(params)).toBe(true);
    expect(checkpoint.optimizer.step).toBe(seen[2].toStep);

    // With a sane learning rate the person trains on from there.
    const restartedAt = s.messages.length;
    s.trainer.start();
    await until('training past the stop', () => s.trainer.step >= seen[2].toStep + 15);
    await until('their losses', () => trainLossesAfter(s.messages, restartedAt).length >= 10);
    expect(trainLossesAfter(s.messages, restartedAt).every(([, l]) => Number.isFinite(l))).toBe(
      true,
    );
    expect(s.failures).toHaveLength(1);
    await s.trainer.dispose();
  });

  it('the rollback counter starts over once training gets past the snapshot', async () => {
    const s = setUp();
    // Three spikes far apart: each is survived on its own, none stops training.
    for (const step of [9, 31, 53]) spikeLearningRate(s.backend, step, HUGE_LEARNING_RATE);
    s.trainer.start();
    await until(
      'three rollbacks and steps past the last',
      () => rollbacks(s.messages).length === 3 && s.trainer.step >= 70,
    );
    expect(s.failures).toEqual([]);
    expect(s.trainer.isTraining).toBe(true);
    expect(s.trainer.optimizerConfig.learningRate).toBe(LEARNING_RATE / 8);
    await s.trainer.dispose();
  });
});

describe('CPU snapshots', () => {
  it('a rollback returns to the snapshot exactly: a replay repeats the run bit for bit', async () => {
    const { corpus, model, train } = setUp();
    const backend = new CpuBackend(model, initParams(model, new Rng(1)), {
      batchSize: train.batchSize,
      seqLen: train.seqLen,
    });
    const batcher = new Batcher(splitCorpus(corpus.tokens, 0.1).train, 4, 16, 1);
    const step = async () => {
      backend.trainStep(batcher.next().batch, train.optimizer);
      return (await backend.drainLosses())[0];
    };
    for (let k = 0; k < 3; k++) await step();
    backend.snapshot();
    const position = batcher.getPosition();
    const [params, optimizer, state] = [
      await backend.getParams(),
      await backend.getOptimizerState(),
      await backend.getState(),
    ];
    const first = [await step(), await step(), await step()];
    // A later snapshot in the other slot, then one more that replaces the oldest (step 3)...
    expect(backend.snapshot()).toBe(6);
    expect(backend.snapshotSteps).toEqual([3, 6]);
    await backend.rollback(3);
    expect(backend.snapshotSteps).toEqual([3]);
    batcher.setPosition(position);
    expect(backend.step).toBe(3);
    expect(await backend.getParams()).toEqual(params);
    expect(await backend.getOptimizerState()).toEqual(optimizer);
    expect(await backend.getState()).toEqual(state);
    const replay = [await step(), await step(), await step()];
    expect(replay).toEqual(first);
    expect(replay.every((l) => l.weightsFinite)).toBe(true);
    await expect(backend.rollback(5)).rejects.toThrow('no snapshot of step 5');
  });

  it('reports non-finite weights and skips the update when the gradient norm is not finite', async () => {
    const { corpus, model, train } = setUp();
    const backend = new CpuBackend(model, initParams(model, new Rng(1)), {
      batchSize: train.batchSize,
      seqLen: train.seqLen,
    });
    const batcher = new Batcher(splitCorpus(corpus.tokens, 0.1).train, 4, 16, 1);
    backend.trainStep(batcher.next().batch, train.optimizer);
    expect((await backend.drainLosses())[0].weightsFinite).toBe(true);
    injectNaN(backend);
    const moments = await backend.getOptimizerState();
    backend.trainStep(batcher.next().batch, train.optimizer);
    const [loss] = await backend.drainLosses();
    expect(loss).toMatchObject({ step: 2, loss: NaN, gradNorm: NaN, weightsFinite: false });
    // Skipped: the moments are those of step 1, not NaN.
    const after = await backend.getOptimizerState();
    expect(after.m).toEqual(moments.m);
    expect(after.v).toEqual(moments.v);
  });
});
