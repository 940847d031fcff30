// Checkpoint → resume on the WebGPU backend: the next 10 losses agree with the
// uninterrupted GPU run within 1e-5, and a GPU checkpoint resumes on the CPU.

import { afterAll, describe, expect, test } from 'vitest';
import { Batcher, splitCorpus } from '../../src/engine/batcher';
import {
  DEFAULT_OPTIMIZER,
  type TrainConfig,
  DEFAULT_REGULARIZATION,
} from '../../src/engine/config';
import { CpuBackend } from '../../src/engine/cpu/backend';
import { createGpuBackend } from '../../src/engine/gpu';
import { initParams } from '../../src/engine/params';
import { Rng } from '../../src/engine/rng';
import { buildCorpus } from '../../src/engine/tokenizer';
import { captureCheckpoint, loadCheckpoint, restoreCheckpoint } from '../../src/io/checkpoint';
import { sha256Hex } from '../../src/io/hash';
import { openGpu } from '../helpers/webgpu';
import { runSteps } from '../helpers/training';

const harness = await openGpu();
afterAll(() => harness?.close());

const corpus = buildCorpus('a stitch in time saves nine; look before you leap.\n'.repeat(6));
const model = {
  vocabSize: corpus.vocab.size,
  cell: 'lstm' as const,
  embedSize: 8,
  hiddenSize: 12,
  layers: 2,
};
const train: TrainConfig = {
  seqLen: 6,
  batchSize: 3,
  seed: 5,
  valFraction: 0.1,
  regularization: DEFAULT_REGULARIZATION,
  optimizer: { ...DEFAULT_OPTIMIZER, learningRate: 1e-2 },
};
const tokens = splitCorpus(corpus.tokens, train.valFraction).train;

describe('checkpoint → resume on the GPU backend', () => {
  test('the next 10 losses agree with the uninterrupted run within 1e-5', async () => {
    const corpusSha256 = await sha256Hex(corpus.text);
    const opts = { batchSize: train.batchSize, seqLen: train.seqLen };
    const a = await createGpuBackend(harness!.device, model, initParams(model, new Rng(1)), opts);
    const b = await createGpuBackend(harness!.device, model, initParams(model, new Rng(2)), opts);
    try {
      const batcherA = new Batcher(tokens, train.batchSize, train.seqLen, train.seed);
      await runSteps(a, batcherA, batcherA.windowsPerEpoch - 4, train.optimizer); // resume crosses the epoch end
      const bytes = await captureCheckpoint(a, batcherA, {
        train,
        vocab: corpus.vocab,
        corpusSha256,
      });
      const uninterrupted = await runSteps(a, batcherA, 10, train.optimizer);

      const loaded = loadCheckpoint(bytes, {
        corpusSha256,
        corpusVocab: corpus.vocab,
        requireCheckpoint: true,
      });
      if (loaded.kind !== 'checkpoint') throw new Error('expected a checkpoint');
      const batcherB = new Batcher(tokens, train.batchSize, train.seqLen, train.seed);
      await restoreCheckpoint(b, batcherB, loaded);
      const resumed = await runSteps(b, batcherB, 10, train.optimizer);
      const diff = Math.max(...resumed.map((x, i) => Math.abs(x - uninterrupted[i])));
      console.log(`GPU resume: max |loss diff| over 10 steps ${diff.toExponential(2)}`);
      expect(resumed).toHaveLength(10);
      expect(diff).toBeLessThanOrEqual(1e-5);

      // The same checkpoint resumes on the CPU reference, close to the GPU's curve.
      const cpu = new CpuBackend(model, initParams(model, new Rng(3)), opts);
      const batcherC = new Batcher(tokens, train.batchSize, train.seqLen, train.seed);
      await restoreCheckpoint(cpu, batcherC, loaded);
      const onCpu = await runSteps(cpu, batcherC, 10, train.optimizer);
      const cross = Math.max(...onCpu.map((x, i) => Math.abs(x - uninterrupted[i])));
      console.log(`GPU checkpoint resumed on CPU: max |loss diff| ${cross.toExponential(2)}`);
      expect(cross).toBeLessThanOrEqual(1e-4);
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});
