// The CPU reference refuses the windows, probe texts and primes the GPU
// engine refuses, with the same words (src/engine/batchCheck.ts).
import { describe, expect, it } from 'vitest';
import type { Batch } from '../../../src/engine/backend';
import { CpuBackend } from '../../../src/engine/cpu/backend';
import { DEFAULT_OPTIMIZER, type ModelConfig } from '../../../src/engine/config';
import { initParams } from '../../../src/engine/params';
import { Rng } from '../../../src/engine/rng';

const model: ModelConfig = { cell: 'lstm', vocabSize: 5, embedSize: 3, hiddenSize: 4, layers: 1 };
const T = 3;
const B = 2;

function backend(): CpuBackend {
  return new CpuBackend(model, initParams(model, new Rng(1)), { batchSize: B, seqLen: T });
}

/** A (T, B) window of token 1 with one id replaced. */
function windowWith(field: 'inputs' | 'targets', at: number, id: number): Batch {
  const batch = {
    inputs: new Int32Array(T * B).fill(1),
    targets: new Int32Array(T * B).fill(1),
    seqLen: T,
    batchSize: B,
  };
  batch[field][at] = id;
  return batch;
}

describe('CPU batch check', () => {
  it('refuses an out-of-range token in training, naming it and where it is', () => {
    const cpu = backend();
    expect(() => cpu.trainStep(windowWith('inputs', 4, 5), DEFAULT_OPTIMIZER)).toThrow(
      'input token id 5 at position 4 is outside the vocabulary (0 to 4)',
    );
    expect(() => cpu.trainStep(windowWith('targets', 0, -1), DEFAULT_OPTIMIZER)).toThrow(
      'target token id -1 at position 0 is outside the vocabulary (0 to 4)',
    );
    // Refused before anything ran: no step taken, no loss pending.
    expect(cpu.step).toBe(0);
  });

  it('refuses out-of-range tokens in evaluation, gradients, probes and primes', async () => {
    const cpu = backend();
    await expect(cpu.evaluate([windowWith('inputs', 1, 7)])).rejects.toThrow(
      'input token id 7 at position 1 is outside the vocabulary',
    );
    await expect(cpu.gradients(windowWith('targets', 2, 99))).rejects.toThrow(
      'target token id 99 at position 2 is outside the vocabulary',
    );
    await expect(cpu.probe(Int32Array.of(0, 1, 5))).rejects.toThrow(
      'token id 5 at position 2 is outside the vocabulary',
    );
    expect(() =>
      cpu.createSampler({ prime: Int32Array.of(9), temperature: 1, topK: 0, seed: 1 }),
    ).toThrow('prime token id 9 at position 0 is outside the vocabulary');
  });

  it('refuses windows longer or wider than it was built for', async () => {
    const cpu = backend();
    const long: Batch = {
      inputs: new Int32Array((T + 1) * B),
      targets: new Int32Array((T + 1) * B),
      seqLen: T + 1,
      batchSize: B,
    };
    expect(() => cpu.trainStep(long, DEFAULT_OPTIMIZER)).toThrow(
      `window has T=${T + 1}; this backend takes 1 to ${T} steps`,
    );
    const wide: Batch = {
      inputs: new Int32Array(T * (B + 1)),
      targets: new Int32Array(T * (B + 1)),
      seqLen: T,
      batchSize: B + 1,
    };
    await expect(cpu.evaluate([wide])).rejects.toThrow(
      `batch has B=${B + 1}; this backend takes 1 to ${B} streams`,
    );
  });

  it("checks a tagger's targets against its classes and its inputs against the vocabulary", async () => {
    const tagger: ModelConfig = { ...model, task: 'spaces', direction: 'bi' };
    const cpu = new CpuBackend(tagger, initParams(tagger, new Rng(1)), { batchSize: B, seqLen: T });
    const labels = (): Batch => ({ ...windowWith('inputs', 0, 4), targets: new Int32Array(T * B) });
    // Token 4 is in the vocabulary (V = 5), labels 0 and 1 are classes.
    await expect(cpu.evaluate([labels()])).resolves.toBeGreaterThan(0);
    const two = labels();
    two.targets[3] = 2;
    expect(() => cpu.trainStep(two, DEFAULT_OPTIMIZER)).toThrow(
      'target class 2 at position 3 is outside the classes (0 to 1)',
    );
    await expect(cpu.evaluate([windowWith('inputs', 5, 5)])).rejects.toThrow(
      'input token id 5 at position 5 is outside the vocabulary (0 to 4)',
    );
    expect(() =>
      cpu.createSampler({ prime: Int32Array.of(1), temperature: 1, topK: 0, seed: 1 }),
    ).toThrow('only a language model generates text');
  });

  it("checks a forecast's values and target values: present, T·B·Ci and T·B·Co long, finite", async () => {
    const forecaster: ModelConfig = {
      ...model,
      vocabSize: 0,
      task: 'forecast',
      seriesInputs: 2,
      seriesOutputs: 1,
    };
    const cpu = new CpuBackend(forecaster, initParams(forecaster, new Rng(1)), {
      batchSize: B,
      seqLen: T,
    });
    const series = (ci: number, co: number): Batch => ({
      inputs: new Int32Array(0),
      targets: new Int32Array(0),
      values: new Float32Array(T * B * ci).fill(0.5),
      targetValues: new Float32Array(T * B * co).fill(-0.5),
      seqLen: T,
      batchSize: B,
    });
    await expect(cpu.evaluate([series(2, 1)])).resolves.toBeGreaterThan(0);
    await expect(cpu.evaluate([series(1, 1)])).rejects.toThrow(
      `batch values have ${T * B} numbers, T·B·2 is ${T * B * 2}`,
    );
    await expect(cpu.evaluate([series(2, 2)])).rejects.toThrow(
      `batch targetValues have ${T * B * 2} numbers, T·B·1 is ${T * B}`,
    );
    const inf = series(2, 1);
    inf.targetValues![4] = Infinity;
    await expect(cpu.gradients(inf)).rejects.toThrow(
      'batch targetValues hold Infinity at position 4',
    );
    await expect(cpu.evaluate([{ ...series(2, 1), values: undefined }])).rejects.toThrow(
      'a forecast batch needs values',
    );
  });
});
