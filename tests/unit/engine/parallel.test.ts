// The CPU engine split over worker threads sharing memory must compute exactly
// what the single-threaded reference computes: each thread owns whole rows of
// every product, so not one rounding changes. And it must never hang: workers
// that do not start leave the engine on one thread.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Batcher } from '../../../src/engine/batcher';
import { DEFAULT_OPTIMIZER, type ModelConfig } from '../../../src/engine/config';
import { CpuBackend } from '../../../src/engine/cpu/backend';
import { createCpuBackend } from '../../../src/engine/cpu/create';
import type { SpawnGemmWorker } from '../../../src/engine/cpu/parallel/pool';
import { initParams } from '../../../src/engine/params';
import { Rng } from '../../../src/engine/rng';

const spawn: SpawnGemmWorker = (init, failed) => {
  const worker = new Worker(new URL('../../helpers/gemmWorkerNode.mjs', import.meta.url), {
    workerData: init,
  });
  worker.on('error', (e) => failed(String(e)));
  return { terminate: () => void worker.terminate() };
};

const model: ModelConfig = {
  cell: 'lstm',
  vocabSize: 29,
  embedSize: 24,
  hiddenSize: 40,
  layers: 2,
};
const params = initParams(model, new Rng(3));
const rng = new Rng(8);
const tokens = Int32Array.from({ length: 20000 }, () => rng.int(model.vocabSize));
const shape = { batchSize: 12, seqLen: 9 };

async function expectSameTraining(serial: CpuBackend, other: CpuBackend) {
  const a = new Batcher(tokens, 12, 9, 1);
  const b = new Batcher(tokens, 12, 9, 1);
  for (let s = 0; s < 4; s++) {
    serial.trainStep(a.next().batch, DEFAULT_OPTIMIZER);
    other.trainStep(b.next().batch, DEFAULT_OPTIMIZER);
  }
  expect(await other.drainLosses()).toEqual(await serial.drainLosses());
  expect(await other.getParams()).toEqual(await serial.getParams());
  expect(await other.getState()).toEqual(await serial.getState());
}

describe('CPU engine on worker threads', () => {
  it.each([
    [1, 'wasm'],
    [2, 'wasm'],
    [1, 'ts'],
  ] as const)(
    'matches the serial engine bit for bit with %i extra thread(s), %s kernel',
    async (threads, kernel) => {
      const serial = new CpuBackend(model, params, { ...shape, kernel });
      const parallel = new CpuBackend(model, params, {
        ...shape,
        kernel,
        parallel: { threads, spawn },
      });
      try {
        expect(await parallel.threadsReady()).toBe(true);
        expect(parallel.threads).toBe(threads + 1);
        // Every thread on the wasm kernel when it is asked for (the workers get its module).
        expect(parallel.gemmKernel).toBe(serial.gemmKernel);
        expect(parallel.gemmKernel.startsWith('wasm')).toBe(kernel === 'wasm');
        await expectSameTraining(serial, parallel);
        expect(parallel.parallelProducts).toBeGreaterThan(0);
      } finally {
        parallel.dispose();
      }
    },
  );

  it('createCpuBackend starts the pool and waits for it', async () => {
    const backend = await createCpuBackend(model, params, shape, { threads: 1, spawn });
    try {
      expect(backend.threads).toBe(2);
      expect(backend.info.device).toBe('CPU, 2 threads, wasm SIMD');
      await expectSameTraining(new CpuBackend(model, params, shape), backend);
      expect(backend.parallelProducts).toBeGreaterThan(0);
    } finally {
      backend.dispose();
    }
  });

  it('runs serially, with the same results, while its workers have not checked in', async () => {
    const never: SpawnGemmWorker = () => ({ terminate() {} });
    const backend = new CpuBackend(model, params, {
      ...shape,
      parallel: { threads: 2, spawn: never },
    });
    try {
      await expectSameTraining(new CpuBackend(model, params, shape), backend);
      expect(backend.parallelProducts).toBe(0);
    } finally {
      backend.dispose();
    }
  });

  it('falls back to one thread when a worker fails or never starts', async () => {
    const warn = console.warn;
    const warnings: string[] = [];
    console.warn = (message: string) => warnings.push(message);
    try {
      const failing: SpawnGemmWorker = (_init, failed) => {
        setTimeout(() => failed('script not found'), 1);
        return { terminate() {} };
      };
      const a = await createCpuBackend(model, params, shape, { threads: 1, spawn: failing });
      expect(a.threads).toBe(1);
      const silent: SpawnGemmWorker = () => ({ terminate() {} });
      const b = await createCpuBackend(model, params, shape, {
        threads: 2,
        spawn: silent,
        startTimeoutMs: 50,
      });
      expect(b.threads).toBe(1);
      await expectSameTraining(new CpuBackend(model, params, shape), b);
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toContain('script not found');
      expect(warnings[1]).toContain('did not start');
    } finally {
      console.warn = warn;
    }
  });

  it('without shared-memory isolation (Node has no crossOriginIsolated) runs on one thread', async () => {
    const backend = await createCpuBackend(model, params, shape);
    expect(backend.threads).toBe(1);
    expect(backend.info.device).toBe('CPU, wasm SIMD');
  });
});
