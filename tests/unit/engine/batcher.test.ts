import { describe, expect, it } from 'vitest';
import { Batcher, splitCorpus, validationBatches } from '../../../src/engine/batcher';
import { CorpusError } from '../../../src/engine/tokenizer';
import { CpuBackend } from '../../../src/engine/cpu/backend';
import { initParams } from '../../../src/engine/params';
import { Rng } from '../../../src/engine/rng';
import { DEFAULT_OPTIMIZER, type ModelConfig } from '../../../src/engine/config';

const tokens = Int32Array.from({ length: 1000 }, (_, i) => i % 97);

describe('Batcher', () => {
  it('gives each stream consecutive windows of its own segment, time-major', () => {
    const batcher = new Batcher(tokens, 4, 10, 1);
    const first = batcher.next();
    const second = batcher.next();
    expect(first.startsEpoch).toBe(true);
    expect(second.startsEpoch).toBe(false);
    for (let b = 0; b < 4; b++) {
      const start = b * batcher.segment;
      for (let t = 0; t < 10; t++) {
        expect(first.batch.inputs[t * 4 + b]).toBe(tokens[start + t]);
        expect(first.batch.targets[t * 4 + b]).toBe(tokens[start + t + 1]);
        // The next window picks up exactly where this one stopped.
        expect(second.batch.inputs[t * 4 + b]).toBe(tokens[start + 10 + t]);
      }
    }
  });

  it('starts a new epoch (asking for a state reset) after the last window, and reset() replays', () => {
    const batcher = new Batcher(tokens, 4, 10, 3);
    const firstEpoch = Array.from({ length: batcher.windowsPerEpoch }, () => batcher.next());
    expect(firstEpoch.filter((w) => w.startsEpoch)).toHaveLength(1);
    const nextEpoch = batcher.next();
    expect(nextEpoch.startsEpoch).toBe(true);
    expect(batcher.getPosition().epoch).toBe(1);
    batcher.reset();
    expect(batcher.next().batch.inputs).toEqual(firstEpoch[0].batch.inputs);
  });

  it('restores a saved position exactly', () => {
    const a = new Batcher(tokens, 3, 7, 11);
    for (let k = 0; k < 60; k++) a.next();
    const saved = a.getPosition();
    const expected = [a.next(), a.next(), a.next()];
    const b = new Batcher(tokens, 3, 7, 11);
    b.setPosition(saved);
    for (const e of expected) expect(b.next()).toEqual(e);
  });

  it('refuses a text too short for B streams of one window, saying what would fit', () => {
    expect(() => new Batcher(tokens.subarray(0, 50), 8, 10, 1)).toThrow(CorpusError);
    expect(() => new Batcher(tokens.subarray(0, 50), 8, 10, 1)).toThrow(/lower B or T/);
  });

  it('splits off the tail for validation and batches it with what fits', () => {
    const { train, validation } = splitCorpus(tokens, 0.1);
    expect(train.length + validation.length).toBe(tokens.length);
    expect(validation[0]).toBe(tokens[train.length]);
    const vb = validationBatches(validation, 32, 64, 4);
    expect(vb.length).toBeGreaterThan(0);
    expect(vb[0].batchSize * vb[0].seqLen).toBeLessThanOrEqual(validation.length - 1);
    expect(validationBatches(new Int32Array(1), 4, 4, 4)).toEqual([]);
  });
});

describe('carried state', () => {
  const model: ModelConfig = {
    cell: 'lstm',
    vocabSize: 97,
    embedSize: 6,
    hiddenSize: 8,
    layers: 2,
  };
  const params = initParams(model, new Rng(2));

  it('two windows with the state carried equal one window of twice the length', async () => {
    const long = new Batcher(tokens, 2, 20, 1).next().batch;
    const short = new Batcher(tokens, 2, 10, 1);
    const oneWindow = new CpuBackend(model, params, { batchSize: 2, seqLen: 20 });
    const whole = await oneWindow.evaluate([long]);
    const twoWindows = new CpuBackend(model, params, { batchSize: 2, seqLen: 10 });
    // evaluate() carries state across its windows, just as training carries it across steps.
    const split = await twoWindows.evaluate([short.next().batch, short.next().batch]);
    expect(split).toBeCloseTo(whole, 5);
  });

  it('training carries (h, c) into the next window and resetState() zeroes it', async () => {
    const backend = new CpuBackend(model, params, { batchSize: 2, seqLen: 10 });
    const batcher = new Batcher(tokens, 2, 10, 1);
    const zero = await backend.getState();
    expect(zero.h.every((x) => x === 0)).toBe(true);
    backend.trainStep(batcher.next().batch, { ...optimizer, learningRate: 1e-6 });
    const carried = await backend.getState();
    expect(carried.h.some((x) => x !== 0)).toBe(true);
    expect(carried.c.some((x) => x !== 0)).toBe(true);
    backend.resetState();
    expect((await backend.getState()).c.every((x) => x === 0)).toBe(true);
  });
});

const optimizer = {
  ...DEFAULT_OPTIMIZER,
  learningRate: 1e-2,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  weightDecay: 0,
  clipNorm: 5,
};
