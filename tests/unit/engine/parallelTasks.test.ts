// The thread pool's shared memory covers every buffer of a bidirectional
// tagger and of a forecaster (workspaceAllocations): both train on worker
// threads exactly as on one thread, dropout on, products split.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { Batch } from '../../../src/engine/backend';
import { DEFAULT_OPTIMIZER, type ModelConfig } from '../../../src/engine/config';
import { CpuBackend } from '../../../src/engine/cpu/backend';
import type { SpawnGemmWorker } from '../../../src/engine/cpu/parallel/pool';
import type { DropoutSpec } from '../../../src/engine/dropout';
import { initParams } from '../../../src/engine/params';
import { Rng } from '../../../src/engine/rng';

const spawn: SpawnGemmWorker = (init, failed) => {
  const worker = new Worker(new URL('../../helpers/gemmWorkerNode.mjs', import.meta.url), {
    workerData: init,
  });
  worker.on('error', (e) => failed(String(e)));
  return { terminate: () => void worker.terminate() };
};

const [B, T] = [12, 9];
const dropout: DropoutSpec = { rate: 0.2, variational: false, seed: 5 };

const MODELS: [string, ModelConfig, (rng: Rng) => Batch][] = [
  [
    'bidirectional GRU tagger',
    {
      cell: 'gru',
      vocabSize: 29,
      embedSize: 24,
      hiddenSize: 40,
      layers: 2,
      task: 'spaces',
      direction: 'bi',
    },
    (rng) => ({
      inputs: Int32Array.from({ length: T * B }, () => rng.int(29)),
      targets: Int32Array.from({ length: T * B }, () => rng.int(2)),
      seqLen: T,
      batchSize: B,
    }),
  ],
  [
    'bidirectional LSTM tagger',
    {
      cell: 'lstm',
      vocabSize: 29,
      embedSize: 24,
      hiddenSize: 40,
      layers: 2,
      task: 'case',
      direction: 'bi',
    },
    (rng) => ({
      inputs: Int32Array.from({ length: T * B }, () => rng.int(29)),
      targets: Int32Array.from({ length: T * B }, () => rng.int(2)),
      seqLen: T,
      batchSize: B,
    }),
  ],
  [
    'LSTM forecaster',
    {
      cell: 'lstm',
      vocabSize: 0,
      embedSize: 24,
      hiddenSize: 40,
      layers: 2,
      task: 'forecast',
      seriesInputs: 3,
      seriesOutputs: 2,
    },
    (rng) => ({
      inputs: new Int32Array(0),
      targets: new Int32Array(0),
      values: Float32Array.from({ length: T * B * 3 }, () => rng.normal()),
      targetValues: Float32Array.from({ length: T * B * 2 }, () => rng.normal()),
      seqLen: T,
      batchSize: B,
    }),
  ],
];

describe.each(MODELS)('a %s on worker threads', (_name, model, batchOf) => {
  it('trains bit for bit as on one thread, with dropout', async () => {
    const params = initParams(model, new Rng(3));
    const shape = { batchSize: B, seqLen: T };
    const serial = new CpuBackend(model, params, shape);
    const parallel = new CpuBackend(model, params, { ...shape, parallel: { threads: 1, spawn } });
    try {
      expect(await parallel.threadsReady()).toBe(true);
      const [ra, rb] = [new Rng(8), new Rng(8)];
      for (let s = 0; s < 3; s++) {
        serial.trainStep(batchOf(ra), DEFAULT_OPTIMIZER, false, dropout);
        parallel.trainStep(batchOf(rb), DEFAULT_OPTIMIZER, false, dropout);
      }
      expect(await parallel.drainLosses()).toEqual(await serial.drainLosses());
      expect(await parallel.getParams()).toEqual(await serial.getParams());
      expect(await parallel.getState()).toEqual(await serial.getState());
      expect(parallel.parallelProducts).toBeGreaterThan(0);
    } finally {
      parallel.dispose();
    }
  });
});
