// The learning rate each step used, from the training loop to the page's
// curves (the loss chart draws it): every trained step reports its rate with
// its loss, the rate its schedule gives (schedule.ts scheduledRate), a new
// schedule from the step after it is set, and after a rollback the halved
// schedule from the snapshot's step on, the abandoned steps' rates gone. On
// the CPU reference, through the worker's wire and the page's receiver.
//
// Dimension legend: none (scalars per step).

import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_OPTIMIZER,
  DEFAULT_REGULARIZATION,
  type ModelConfig,
  type OptimizerConfig,
  type TrainConfig,
} from '../../../src/engine/config';
import { buildCorpus } from '../../../src/engine/tokenizer';
import { MetricsThrottle } from '../../../src/engine/training/metrics';
import { scheduledRate } from '../../../src/engine/training/schedule';
import { metrics } from '../../../src/store/metrics';
import { receive } from '../../../src/store/receiver';
import type { EngineMessage, MetricsMessage } from '../../../src/worker/protocol';
import { spikeLearningRate } from '../../helpers/divergence';
import { cpuTrainer, EAGER_LOOP } from '../../helpers/trainerEvents';
import { until } from '../../helpers/until';

const TEXT = 'the cat sat on the mat.\na dog ran to the park.\n'.repeat(150);
const COSINE: OptimizerConfig = {
  ...DEFAULT_OPTIMIZER,
  learningRate: 1e-2,
  schedule: 'cosine',
  warmupSteps: 5,
  decaySteps: 20,
  lrFloor: 0.1,
};

function setUp(optimizer: OptimizerConfig) {
  const corpus = buildCorpus(TEXT);
  const model: ModelConfig = {
    cell: 'gru',
    vocabSize: corpus.vocab.size,
    embedSize: 8,
    hiddenSize: 12,
    layers: 1,
  };
  const train: TrainConfig = {
    seqLen: 12,
    batchSize: 4,
    seed: 3,
    valFraction: 0.1,
    regularization: DEFAULT_REGULARIZATION,
    optimizer,
  };
  const { backend, trainer, messages, failures } = cpuTrainer(corpus, model, train, {
    ...EAGER_LOOP,
    snapshotEvery: 5,
  });
  return { backend, trainer, messages, failures };
}

/** Interleaved pairs of `key` over the metrics messages, in order. */
function pairs(messages: EngineMessage[], key: 'train' | 'learningRates'): [number, number][] {
  const out: [number, number][] = [];
  for (const m of messages) {
    if (m.type !== 'metrics') continue;
    const xs = (m as MetricsMessage)[key] ?? new Float64Array(0);
    for (let k = 0; k + 1 < xs.length; k += 2) out.push([xs[k], xs[k + 1]]);
  }
  return out;
}

afterEach(() => metrics.clear());

describe('learning rates reported per step', () => {
  it("are each step's scheduled rate, with its loss, and follow a new schedule from the next step", async () => {
    const s = setUp(COSINE);
    s.trainer.start();
    // Past the warm-up and the whole decay: the floor is reached.
    await until('step 30', () => s.trainer.step >= 30);
    const STEP_DECAY: OptimizerConfig = {
      ...COSINE,
      schedule: 'step',
      decayEvery: 4,
      decayFactor: 0.5,
    };
    const changedAfter = await s.trainer.exclusive(async (backend) => {
      s.trainer.setOptimizer(STEP_DECAY);
      return backend.step;
    });
    await until('step 45', () => s.trainer.step >= changedAfter + 15);
    s.trainer.pause();
    await until('every loss in', () => pairs(s.messages, 'train').at(-1)?.[0] === s.trainer.step);

    const train = pairs(s.messages, 'train');
    const rates = pairs(s.messages, 'learningRates');
    // One rate per trained step, the same steps in the same order.
    expect(rates.map(([step]) => step)).toEqual(train.map(([step]) => step));
    expect(rates.map(([step]) => step)).toEqual(rates.map((_, k) => k + 1));
    for (const [step, rate] of rates) {
      const schedule = step <= changedAfter ? COSINE : STEP_DECAY;
      expect(rate, `step ${step}`).toBe(scheduledRate(schedule, step));
    }
    // What the schedules say, in figures: the warm-up's ramp, the peak, the floor.
    const rateAt = new Map(rates);
    expect(rateAt.get(1)).toBeCloseTo(2e-3, 15);
    expect(rateAt.get(5)).toBe(1e-2);
    expect(rateAt.get(25)).toBeCloseTo(1e-3, 15);
    expect(rateAt.get(changedAfter + 1)).toBe(1e-2 * 0.5 ** Math.floor((changedAfter - 4) / 4));

    // The page's curve of the selected model holds the same pairs.
    for (const m of s.messages) if (m.type === 'metrics') receive(m);
    expect(metrics.get().learningRates.map((p) => [p.step, p.rate])).toEqual(rates);
    expect(s.failures).toEqual([]);
    await s.trainer.dispose();
  });

  it('after a rollback: the abandoned steps go, the halved schedule follows', async () => {
    const s = setUp(COSINE);
    // A one-step spike the model cannot survive: the loss comes back non-finite.
    spikeLearningRate(s.backend, 14, 1e38);
    s.trainer.start();
    await until('a rollback', () => s.messages.some((m) => m.type === 'rollback'));
    const rollback = s.messages.find((m) => m.type === 'rollback');
    if (rollback?.type !== 'rollback') throw new Error('no rollback');
    await until('steps past the divergence', () => s.trainer.step >= rollback.fromStep + 12);
    s.trainer.pause();
    await until('every loss in', () => pairs(s.messages, 'train').at(-1)?.[0] === s.trainer.step);

    // As the page keeps them: the receiver truncates at the rollback message.
    for (const m of s.messages) receive(m);
    const kept = metrics.get().learningRates;
    expect(kept.map((p) => p.step)).toEqual(kept.map((_, k) => k + 1));
    expect(kept.at(-1)?.step).toBe(s.trainer.step);
    const halved = { ...COSINE, learningRate: COSINE.learningRate / 2 };
    for (const { step, rate } of kept) {
      const schedule = step <= rollback.toStep ? COSINE : halved;
      expect(rate, `step ${step}`).toBe(scheduledRate(schedule, step));
    }
    // Posted after the rollback: no rate of a step the rollback abandoned, replayed or not.
    const at = s.messages.indexOf(rollback);
    const after = pairs(s.messages.slice(at), 'learningRates');
    for (const [step, rate] of after) {
      if (step > rollback.toStep) expect(rate, `step ${step}`).toBe(scheduledRate(halved, step));
    }
    expect(s.failures).toEqual([]);
    await s.trainer.dispose();
  });
});

describe('MetricsThrottle', () => {
  it('reports the rates with their steps once, and drops those past a rollback', () => {
    const throttle = new MetricsThrottle(0);
    for (let step = 1; step <= 6; step++)
      throttle.addTrain(step, 3 - step / 10, 1, false, step / 1e3);
    throttle.dropAfter(4);
    const first = throttle.take(0);
    expect(Array.from(first.learningRates)).toEqual([1, 1e-3, 2, 2e-3, 3, 3e-3, 4, 4e-3]);
    expect(Array.from(first.train).filter((_, k) => k % 2 === 0)).toEqual([1, 2, 3, 4]);
    throttle.addTrain(5, 2.5, 1, false, 2.5e-3);
    expect(Array.from(throttle.take(1).learningRates)).toEqual([5, 2.5e-3]);
    expect(throttle.take(2).learningRates.length).toBe(0);
  });
});
