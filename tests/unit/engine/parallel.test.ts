// The CPU engine split over worker threads sharing memory must compute exactly
// what the single-threaded reference computes: each thread owns whole rows of
// every product, so not one rounding changes.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Batcher } from '../../../src/engine/batcher';
import { DEFAULT_OPTIMIZER, type ModelConfig } from '../../../src/engine/config';
import { CpuBackend } from '../../../src/engine/cpu/backend';
import type { SpawnGemmWorker } from '../../../src/engine/cpu/parallel/pool';
import { initParams } from '../../../src/engine/params';
import { Rng } from '../../../src/engine/rng';

const spawn: SpawnGemmWorker = (init) => {
  const worker = new Worker(new URL('../../helpers/gemmWorkerNode.mjs', import.meta.url), {
    workerData: init,
  });
  return { terminate: () => void worker.terminate() };
};

describe('CPU engine on worker threads', () => {
  it.each([1, 2])(
    'matches the serial engine bit for bit with %i extra thread(s)',
    async (threads) => {
      const model: ModelConfig = { vocabSize: 29, embedSize: 24, hiddenSize: 40, layers: 2 };
      const params = initParams(model, new Rng(3));
      const rng = new Rng(8);
      const tokens = Int32Array.from({ length: 20000 }, () => rng.int(model.vocabSize));
      const options = { batchSize: 12, seqLen: 9 };
      const serial = new CpuBackend(model, params, options);
      const parallel = new CpuBackend(model, params, { ...options, parallel: { threads, spawn } });
      expect(parallel.threads).toBe(threads + 1);
      const a = new Batcher(tokens, 12, 9, 1);
      const b = new Batcher(tokens, 12, 9, 1);
      try {
        for (let s = 0; s < 4; s++) {
          serial.trainStep(a.next().batch, DEFAULT_OPTIMIZER);
          parallel.trainStep(b.next().batch, DEFAULT_OPTIMIZER);
        }
        expect(await parallel.drainLosses()).toEqual(await serial.drainLosses());
        expect(await parallel.getParams()).toEqual(await serial.getParams());
        expect(await parallel.getState()).toEqual(await serial.getState());
      } finally {
        parallel.dispose();
      }
    },
  );
});
