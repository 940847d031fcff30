// Backend.gradientFlow on the GPU, for every cell, against the CPU backend's
// own gradientFlow on the same batch and weights (src/engine/cpu/gradientFlow.ts,
// itself checked against finite differences in tests/unit): the per-timestep
// norms of ∂ℓ_b/∂h (and the LSTM's ∂ℓ_b/∂c) per layer and the group norms of
// the training gradient from zero state, on windows as big as training's and
// smaller; and the training state and the next step untouched.

import { afterAll, describe, expect, test } from 'vitest';
import type { Batch } from '../../src/engine/backend';
import { CELL_TYPES } from '../../src/engine/cells';
import { DEFAULT_OPTIMIZER, type ModelConfig } from '../../src/engine/config';
import { CpuBackend } from '../../src/engine/cpu/backend';
import { createGpuBackend, type GpuBackendOptions } from '../../src/engine/gpu';
import { initParams } from '../../src/engine/params';
import { Rng } from '../../src/engine/rng';
import { openGpu } from '../helpers/webgpu';
import { expectClose } from './support';

const harness = await openGpu();
afterAll(() => harness.close());

function randomBatch(rng: Rng, V: number, T: number, B: number): Batch {
  const tokens = () => Int32Array.from({ length: T * B }, () => rng.int(V));
  return { inputs: tokens(), targets: tokens(), seqLen: T, batchSize: B };
}

const plans: Record<string, Partial<GpuBackendOptions>> = {
  'step kernels': { recurrent: 'step', gemm: 'register', autotune: false },
  'persistent kernels': { recurrent: 'persistent', gemm: 'tiled', autotune: false },
};

describe.each(CELL_TYPES)('gradientFlow on the GPU (%s)', (cell) => {
  for (const [planName, plan] of Object.entries(plans)) {
    for (const layers of [1, 3]) {
      test(`matches the CPU reference, leaves training alone (L=${layers}; ${planName})`, async () => {
        const model: ModelConfig = { cell, vocabSize: 53, embedSize: 11, hiddenSize: 37, layers };
        const T = 5;
        const B = 3;
        const params = initParams(model, new Rng(5));
        const cpu = new CpuBackend(model, params, { batchSize: B, seqLen: T });
        const gpu = await createGpuBackend(harness.device, model, params, {
          batchSize: B,
          seqLen: T,
          ...plan,
        });
        try {
          const rng = new Rng(17);
          // Train a step first, so the weights have moved and the carried state is not zero.
          const warm = randomBatch(rng, model.vocabSize, T, B);
          gpu.trainStep(warm, DEFAULT_OPTIMIZER);
          cpu.trainStep(warm, DEFAULT_OPTIMIZER);
          const stateBefore = await gpu.getState();
          for (const [t, b] of [
            [T, B],
            [4, 2], // a window smaller than training's
          ]) {
            const batch = randomBatch(rng, model.vocabSize, t, b);
            const flow = await gpu.gradientFlow(batch);
            // The CPU holds the same weights after the same step, and its probe
            // leaves its training state alone just as the GPU's must.
            const want = await cpu.gradientFlow(batch);
            expect(flow.h.length).toBe(layers);
            flow.h.forEach((norms, l) =>
              expectClose(`h norms, layer ${l} (T=${t} B=${b})`, norms, want.h[l], 1e-6, 1e-3),
            );
            if (cell === 'lstm') {
              expect(flow.c).not.toBeNull();
              flow.c!.forEach((norms, l) =>
                expectClose(`c norms, layer ${l} (T=${t} B=${b})`, norms, want.c![l], 1e-6, 1e-3),
              );
            } else {
              expect(flow.c).toBeNull();
            }
            // The last step's gradient is never zero; ones further back are smaller but present.
            for (const norms of flow.h) expect(norms[0]).toBeGreaterThan(0);
            expect(flow.groupNorms.length).toBe(layers + 2);
            expectClose(
              `group norms (T=${t} B=${b})`,
              flow.groupNorms,
              want.groupNorms,
              1e-7,
              1e-4,
            );
          }
          expect(await gpu.getState()).toEqual(stateBefore);
          // Training carries on exactly as the CPU's.
          const next = randomBatch(rng, model.vocabSize, T, B);
          gpu.trainStep(next, DEFAULT_OPTIMIZER);
          cpu.trainStep(next, DEFAULT_OPTIMIZER);
          const [g, c] = [await gpu.drainLosses(), await cpu.drainLosses()];
          expectClose(
            'losses around the probe',
            g.map((l) => l.loss),
            c.map((l) => l.loss),
            0,
            1e-4,
          );
        } finally {
          gpu.dispose();
        }
      });
    }
  }
});
