// Resume exactness through the training loop (CPU engine): a run of N steps
// taken without a break, and one taken as k steps, a checkpoint (bytes), a
// fresh backend and trainer loaded from it, and N − k more steps, end with
// bit-identical weights, Adam moments, best weights and early-stopping
// record. The learning rate follows a cosine schedule with warm-up and
// dropout is on: both are functions of the step number (schedule.ts,
// dropout.ts), which the checkpoint restores. Both runs validate every 10
// steps, so the best weights are kept along the way.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary, L layers.

import { describe, expect, it } from 'vitest';
import { splitCorpus } from '../../../src/engine/batcher';
import { DEFAULT_OPTIMIZER, type ModelConfig, type TrainConfig } from '../../../src/engine/config';
import { CpuBackend } from '../../../src/engine/cpu/backend';
import { initParams } from '../../../src/engine/params';
import { Rng } from '../../../src/engine/rng';
import { buildCorpus } from '../../../src/engine/tokenizer';
import { Trainer } from '../../../src/engine/training/trainer';
import { captureCheckpoint, loadCheckpoint, restoreCheckpoint } from '../../../src/io/checkpoint';
import { EAGER_LOOP, recordEvents } from '../../helpers/trainerEvents';
import { until } from '../../helpers/until';

const corpus = buildCorpus('the cat sat on the mat.\na dog ran to the park.\n'.repeat(40));
const model: ModelConfig = {
  cell: 'lstm',
  vocabSize: corpus.vocab.size,
  embedSize: 8, // E
  hiddenSize: 16, // H
  layers: 2, // L: dropout has sites 0, 1 and 2
};
const train: TrainConfig = {
  seqLen: 8, // T
  batchSize: 4, // B
  seed: 11,
  valFraction: 0.2,
  regularization: { dropout: 0.3, dropoutMode: 'standard', patience: 0 },
  optimizer: {
    ...DEFAULT_OPTIMIZER,
    learningRate: 2e-2,
    schedule: 'cosine',
    warmupSteps: 6,
    decaySteps: 40,
    lrFloor: 0.1,
  },
};
const split = splitCorpus(corpus.tokens, train.valFraction);
const N = 47;
const K = 23;

function newTrainer(params = initParams(model, new Rng(train.seed)), settings = train) {
  const backend = new CpuBackend(model, params, {
    batchSize: train.batchSize,
    seqLen: train.seqLen,
  });
  const { events, messages, failures } = recordEvents();
  const trainer = new Trainer(backend, corpus.vocab, split, settings, events, EAGER_LOOP);
  return { backend, trainer, messages, failures };
}

/** `n` more steps through the loop (Step, one at a time), their losses in. */
async function stepTo(trainer: Trainer, target: number): Promise<void> {
  const from = trainer.step;
  for (let s = from; s < target; s++) trainer.stepOnce();
  await until(`step ${target}`, () => trainer.step === target);
  // The loss of the last step, and the validation of a step it lands on, are taken
  // in the same tick; an exclusive job runs in the next, so it sees them done.
  await trainer.exclusive(async () => {});
}

describe('resume exactness with a cosine schedule, warm-up and dropout (CPU)', () => {
  it(`${K} steps + checkpoint + ${N - K} steps on a fresh trainer = ${N} steps`, async () => {
    const whole = newTrainer();
    whole.trainer.begin();
    await stepTo(whole.trainer, N);

    const first = newTrainer();
    first.trainer.begin();
    await stepTo(first.trainer, K);
    const bytes = await first.trainer.exclusive((backend, batcher) =>
      captureCheckpoint(backend, batcher, {
        train,
        vocab: corpus.vocab,
        corpusSha256: '0'.repeat(64),
        earlyStopping: first.trainer.earlyStoppingState,
      }),
    );
    const loaded = loadCheckpoint(bytes, { requireCheckpoint: true });
    if (loaded.kind !== 'checkpoint') throw new Error('not a checkpoint');
    expect(loaded.train).toEqual(train);
    // The best of the validations at 0, 10 and 20: not the weights at 23, so saved apart.
    const savedBest = loaded.earlyStopping?.bestStep ?? -1;
    expect(savedBest % 10 === 0 && savedBest > 0 && savedBest < K).toBe(true);
    expect(loaded.earlyStopping?.bestParams).not.toEqual(loaded.params);

    // Other initial weights: everything must come from the file.
    const second = newTrainer(initParams(model, new Rng(999)));
    await second.trainer.exclusive((backend, batcher) =>
      restoreCheckpoint(backend, batcher, loaded),
    );
    second.trainer.restoreEarlyStopping(loaded.earlyStopping!);
    expect(second.trainer.earlyStoppingState).toEqual(first.trainer.earlyStoppingState);
    expect(second.backend.bestStep).toBe(savedBest);
    expect(await second.backend.getBestParams()).toEqual(await first.backend.getBestParams());
    second.trainer.begin();
    expect(second.trainer.step).toBe(K);
    await stepTo(second.trainer, N);

    const [a, b] = [whole.backend, second.backend];
    const [pa, pb] = [await a.getParams(), await b.getParams()];
    // Dropout really dropped: the same run without it ends elsewhere.
    const undropped = newTrainer(undefined, {
      ...train,
      regularization: { ...train.regularization, dropout: 0 },
    });
    undropped.trainer.begin();
    await stepTo(undropped.trainer, N);
    expect(await undropped.backend.getParams()).not.toEqual(pa);
    await undropped.trainer.dispose();
    expect(Buffer.from(pb.buffer).equals(Buffer.from(pa.buffer))).toBe(true);
    const [oa, ob] = [await a.getOptimizerState(), await b.getOptimizerState()];
    expect(ob.step).toBe(N);
    expect(Buffer.from(ob.m.buffer).equals(Buffer.from(oa.m.buffer))).toBe(true);
    expect(Buffer.from(ob.v.buffer).equals(Buffer.from(oa.v.buffer))).toBe(true);
    expect(b.bestStep).toBe(a.bestStep);
    const [ba, bb] = [await a.getBestParams(), await b.getBestParams()];
    expect(ba).not.toBeNull();
    expect(Buffer.from(bb!.buffer).equals(Buffer.from(ba!.buffer))).toBe(true);
    expect(second.trainer.earlyStoppingState).toEqual(whole.trainer.earlyStoppingState);
    console.log(
      `[resume] N=${N}, k=${K}: weights, moments and best weights (step ${a.bestStep}, ` +
        `val ${whole.trainer.earlyStoppingState.bestLoss?.toFixed(4)}) bit-identical`,
    );
    expect([...whole.failures, ...first.failures, ...second.failures]).toEqual([]);
    await first.trainer.dispose();
    await whole.trainer.dispose();
    await second.trainer.dispose();
  });
});
