// The worker's training loop on the CPU reference: step-0 validation, steps
// and pause, losses and metrics in order, gate snapshots of the right shape,
// sampling that streams characters of the vocabulary, and clear errors.
import { describe, expect, it } from 'vitest';
import { splitCorpus } from '../../../src/engine/batcher';
import {
  DEFAULT_OPTIMIZER,
  type ModelConfig,
  type TrainConfig,
  DEFAULT_REGULARIZATION,
} from '../../../src/engine/config';
import { CpuBackend } from '../../../src/engine/cpu/backend';
import { initParams } from '../../../src/engine/params';
import type { EngineMessage, MetricsMessage, ProbeMessage } from '../../../src/worker/protocol';
import { Rng } from '../../../src/engine/rng';
import { buildCorpus } from '../../../src/engine/tokenizer';
import { DivergedError } from '../../../src/engine/training/divergence';
import { Trainer } from '../../../src/engine/training/trainer';
import { until } from '../../helpers/until';
import { EAGER_LOOP, recordEvents } from '../../helpers/trainerEvents';

const TEXT = 'the cat sat on the mat.\na dog ran to the park.\n'.repeat(150);

function setUp() {
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
    optimizer: { ...DEFAULT_OPTIMIZER, learningRate: 1e-2 },
  };
  const backend = new CpuBackend(model, initParams(model, new Rng(train.seed)), {
    batchSize: train.batchSize,
    seqLen: train.seqLen,
  });
  const { events, messages, failures, wasTraining } = recordEvents();
  const trainer = new Trainer(
    backend,
    corpus.vocab,
    splitCorpus(corpus.tokens, train.valFraction),
    train,
    events,
    EAGER_LOOP,
  );
  return { corpus, model, trainer, messages, failures, wasTraining };
}

const metricsOf = (messages: EngineMessage[]) =>
  messages.filter((m): m is MetricsMessage => m.type === 'metrics');

function pairs(list: MetricsMessage[], key: 'train' | 'validation'): [number, number][] {
  const out: [number, number][] = [];
  for (const m of list)
    for (let k = 0; k < m[key].length; k += 2) out.push([m[key][k], m[key][k + 1]]);
  return out;
}

describe('Trainer', () => {
  it('validates at step 0, trains, pauses and steps once', async () => {
    const { corpus, trainer, messages, failures } = setUp();
    trainer.begin();
    await until(
      "pairs(metricsOf(messages), 'validation').length === 1",
      () => pairs(metricsOf(messages), 'validation').length === 1,
    );
    const [[step0, loss0]] = pairs(metricsOf(messages), 'validation');
    expect(step0).toBe(0);
    expect(Math.abs(loss0 - Math.log(corpus.vocab.size))).toBeLessThan(0.5);

    trainer.start();
    await until('trainer.step >= 30', () => trainer.step >= 30);
    trainer.pause();
    await until(
      'metricsOf(messages).at(-1)?.step === trainer.step',
      () => metricsOf(messages).at(-1)?.step === trainer.step,
    );
    const paused = trainer.step;
    // Paused: the engine says so at the step it stopped at, and runs no further step
    // (the loss series below holds exactly the steps up to the one requested next).
    expect(trainer.isTraining).toBe(false);
    expect(messages.filter((m) => m.type === 'status').at(-1)).toMatchObject({
      status: { training: false, step: paused },
    });

    trainer.stepOnce();
    // Validation runs every 10 steps (EAGER_LOOP), also after the one step taken here.
    const validated = Array.from({ length: Math.floor((paused + 1) / 10) + 1 }, (_, k) => 10 * k);
    await until(
      'the step after the pause and its validation are reported',
      () =>
        metricsOf(messages).at(-1)?.step === paused + 1 &&
        pairs(metricsOf(messages), 'validation').at(-1)?.[0] === validated.at(-1),
    );

    const train = pairs(metricsOf(messages), 'train');
    expect(train.map(([s]) => s)).toEqual(Array.from({ length: paused + 1 }, (_, k) => k + 1));
    const validation = pairs(metricsOf(messages), 'validation');
    // Every 10 steps up to the one after the pause, however far past 30 a loaded machine let it run.
    expect(validation.map(([s]) => s)).toEqual(validated);
    expect(validation.at(-1)![1]).toBeLessThan(loss0);
    expect(messages.filter((m) => m.type === 'status').at(-1)).toMatchObject({
      status: { ready: true, training: false, step: paused + 1 },
    });
    expect(failures).toEqual([]);
    await trainer.dispose();
  });

  it('snapshots the gates of every layer and skips unknown characters', async () => {
    const { model, trainer, messages } = setUp();
    trainer.setProbe('the cat Zat');
    await until("messages.some((m) => m.type === 'probe')", () =>
      messages.some((m) => m.type === 'probe'),
    );
    const probe = messages.find((m): m is ProbeMessage => m.type === 'probe')!;
    expect(probe.chars.join('')).toBe('the cat at');
    expect(probe.unknown).toEqual(['Z']);
    expect(probe.layers).toHaveLength(model.layers);
    const P = probe.chars.length;
    for (const layer of probe.layers) {
      for (const key of ['i', 'f', 'g', 'o', 'c', 'h'] as const)
        expect(layer[key]).toHaveLength(P * model.hiddenSize);
      for (const v of layer.f!) expect(v > 0 && v < 1).toBe(true);
    }
    expect(probe.nextCharProb).toHaveLength(P);
    expect(Number.isNaN(probe.nextCharProb[P - 1])).toBe(true);
    expect(probe.nextCharProb[0]).toBeGreaterThan(0);
    await trainer.dispose();
  });

  it('streams a sample of the requested length while training', async () => {
    const { corpus, trainer, messages } = setUp();
    trainer.start();
    trainer.sample({ id: 7, prime: 'the ', temperature: 0.8, topK: 5, length: 50, seed: 1 });
    await until("messages.some((m) => m.type === 'sample' && m.done)", () =>
      messages.some((m) => m.type === 'sample' && m.done),
    );
    const chunks = messages.filter((m) => m.type === 'sample');
    const text = chunks.map((m) => (m.type === 'sample' ? m.text : '')).join('');
    expect(chunks.length).toBeGreaterThan(1);
    expect([...text]).toHaveLength(50);
    for (const ch of text) expect(corpus.vocab.has(ch)).toBe(true);
    expect(trainer.isTraining).toBe(true);
    await trainer.dispose();
  });

  it('refuses a prime with characters outside the vocabulary', async () => {
    const { trainer, messages } = setUp();
    trainer.sample({ id: 1, prime: 'Qx', temperature: 1, topK: 0, length: 5, seed: 1 });
    expect(messages.at(-1)).toEqual({
      type: 'sampleError',
      id: 1,
      message: 'the prime has characters the corpus never uses: "Q", "x"',
    });
    await trainer.dispose();
  });

  it('takes a checkpoint while training, between two steps, that resumes to the same losses', async () => {
    const a = setUp();
    a.trainer.start();
    await until('a.trainer.step >= 7', () => a.trainer.step >= 7);
    // Requested mid-run: it must see one instant (weights, moments, state, stream position).
    const checkpoint = await a.trainer.exclusive(async (backend, batcher) => ({
      params: await backend.getParams(),
      optimizer: await backend.getOptimizerState(),
      state: await backend.getState(),
      position: batcher.getPosition(),
    }));
    a.trainer.pause();
    await until('!a.trainer.isTraining', () => !a.trainer.isTraining);
    const stepAt = checkpoint.optimizer.step;
    for (let k = a.trainer.step; k < stepAt + 5; k++) a.trainer.stepOnce();
    await until('a.trainer.step >= stepAt + 5', () => a.trainer.step >= stepAt + 5);
    await until("pairs(metricsOf(a.messages), 'train').some(([s]) => s === stepAt + 5)", () =>
      pairs(metricsOf(a.messages), 'train').some(([s]) => s === stepAt + 5),
    );
    const uninterrupted = new Map(pairs(metricsOf(a.messages), 'train'));

    const b = setUp();
    await b.trainer.exclusive(async (backend, batcher) => {
      await backend.setParams(checkpoint.params, checkpoint.optimizer);
      await backend.setState(checkpoint.state);
      batcher.setPosition(checkpoint.position);
    });
    expect(b.trainer.step).toBe(stepAt);
    for (let k = 0; k < 5; k++) b.trainer.stepOnce();
    await until(
      "pairs(metricsOf(b.messages), 'train').length >= 5",
      () => pairs(metricsOf(b.messages), 'train').length >= 5,
    );
    const resumed = pairs(metricsOf(b.messages), 'train');
    expect(resumed.map(([s]) => s)).toEqual([1, 2, 3, 4, 5].map((k) => stepAt + k));
    for (const [step, loss] of resumed) expect(loss).toBe(uninterrupted.get(step));
    await a.trainer.dispose();
    await b.trainer.dispose();
  });

  it('stops with a clear message when training diverges, and says it was training', async () => {
    const { trainer, failures, wasTraining } = setUp();
    trainer.start();
    await until('trainer.step >= 3', () => trainer.step >= 3);
    // A weight turned NaN (as a too-high learning rate eventually makes one): the next loss is NaN.
    await trainer.exclusive(async (backend) => {
      const params = await backend.getParams();
      params[0] = NaN;
      await backend.setParams(params, await backend.getOptimizerState());
    });
    await until('failures.length > 0', () => failures.length > 0);
    expect(failures[0]).toBeInstanceOf(DivergedError);
    expect(String(failures[0])).toMatch(
      /training diverged at step \d+ \(loss NaN\): lower the learning rate, then Reset or resume/,
    );
    expect(wasTraining).toEqual([true]);
    expect(trainer.isTraining).toBe(false);
    await trainer.dispose();
  });

  it('rejects exclusive work after dispose, and reports the error of a failing job without stopping', async () => {
    const { trainer, failures } = setUp();
    await expect(
      trainer.exclusive(async () => {
        throw new Error('storage is full');
      }),
    ).rejects.toThrow('storage is full');
    expect(failures).toEqual([]);
    trainer.stepOnce();
    await until('trainer.step === 1', () => trainer.step === 1);
    await trainer.dispose();
    await expect(trainer.exclusive(async () => 1)).rejects.toThrow('replaced');
  });
});
