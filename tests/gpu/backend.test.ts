// The whole GPU backend against the CPU reference, for every cell (LSTM, GRU,
// RNN): one step's loss and gradients per tensor, for every kernel plan — per-timestep recurrent
// kernels with register-tiled GEMMs, persistent recurrent kernels with
// workgroup-memory-tiled GEMMs, and whatever the autotune picks.

import { afterAll, describe, expect, test } from 'vitest';
import type { Batch } from '../../src/engine/backend';
import { CELL_TYPES } from '../../src/engine/cells';
import { DEFAULT_OPTIMIZER, type ModelConfig } from '../../src/engine/config';
import { CpuBackend } from '../../src/engine/cpu/backend';
import { createGpuBackend, type GpuBackendOptions } from '../../src/engine/gpu';
import { initParams, paramLayout } from '../../src/engine/params';
import { Rng } from '../../src/engine/rng';
import { openGpu } from '../helpers/webgpu';
import { relativeError } from './support';

const harness = await openGpu();
afterAll(() => harness?.close());

function randomBatch(rng: Rng, V: number, T: number, B: number): Batch {
  const inputs = new Int32Array(T * B);
  const targets = new Int32Array(T * B);
  for (let i = 0; i < T * B; i++) {
    inputs[i] = rng.int(V);
    targets[i] = rng.int(V);
  }
  return { inputs, targets, seqLen: T, batchSize: B };
}

interface Shape {
  model: Omit<ModelConfig, 'cell'>;
  T: number;
  B: number;
}

const shapes: Record<string, Shape> = {
  odd: {
    model: { vocabSize: 53, embedSize: 11, hiddenSize: 37, layers: 2 },
    T: 5,
    B: 3,
  },
  round: {
    model: { vocabSize: 64, embedSize: 32, hiddenSize: 64, layers: 1 },
    T: 8,
    B: 4,
  },
  deep: {
    model: { vocabSize: 17, embedSize: 8, hiddenSize: 12, layers: 3 },
    T: 4,
    B: 2,
  },
  single: {
    model: { vocabSize: 9, embedSize: 4, hiddenSize: 5, layers: 2 },
    T: 1,
    B: 1,
  },
};

const plans: Record<string, Partial<GpuBackendOptions>> = {
  'step kernels, register GEMMs': { recurrent: 'step', gemm: 'register' },
  'persistent kernels, tiled GEMMs': { recurrent: 'persistent', gemm: 'tiled' },
  // Tiny products are below the autotune's threshold; lowering it makes it time them.
  autotuned: { autotune: { minGemmFlops: 0, fresh: true } },
};

describe.each(CELL_TYPES)('GpuBackend vs CpuBackend (%s)', (cell) => {
  for (const [name, { model: dims, T, B }] of Object.entries(shapes)) {
    const model: ModelConfig = { cell, ...dims };
    for (const [planName, plan] of Object.entries(plans)) {
      test(`gradients of one window per tensor (${name}: L=${model.layers} T=${T} B=${B}; ${planName})`, async () => {
        const params = initParams(model, new Rng(3));
        const cpu = new CpuBackend(model, params, { batchSize: B, seqLen: T });
        const gpu = await createGpuBackend(harness!.device, model, params, {
          batchSize: B,
          seqLen: T,
          ...plan,
        });
        try {
          const recurrent = gpu.kernelChoices().recurrent;
          if (plan.recurrent)
            expect(recurrent).toEqual({ forward: plan.recurrent, backward: plan.recurrent });
          const rng = new Rng(11);
          // A carried state that is not zero: train one window first on both.
          const warm = randomBatch(rng, model.vocabSize, T, B);
          cpu.trainStep(warm, DEFAULT_OPTIMIZER);
          gpu.trainStep(warm, DEFAULT_OPTIMIZER);
          const batch = randomBatch(rng, model.vocabSize, T, B);
          const want = await cpu.gradients(batch);
          const got = await gpu.gradients(batch);
          expect(Math.abs(got.loss - want.loss) / want.loss).toBeLessThan(1e-5);
          for (const t of paramLayout(model).tensors) {
            const g = got.grads.subarray(t.offset, t.offset + t.size);
            const c = want.grads.subarray(t.offset, t.offset + t.size);
            const err = relativeError(g, c);
            if (process.env.DEBUG_GPU) {
              let maxDiff = 0;
              for (let i = 0; i < c.length; i++) maxDiff = Math.max(maxDiff, Math.abs(g[i] - c[i]));
              console.log(
                cell,
                name,
                planName,
                t.name,
                err.toExponential(2),
                maxDiff.toExponential(2),
              );
            }
            expect(err, `${t.name}: relative error ${err}`).toBeLessThan(1e-4);
          }
        } finally {
          gpu.dispose();
        }
      });
    }
  }
});
