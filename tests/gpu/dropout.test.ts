// Dropout on the WebGPU engine against the CPU reference (which
// tests/unit/engine/gradcheck.test.ts checks against finite differences with
// fixed masks), for every cell and both mask modes, on odd shapes (V 11, E 7,
// H 9, L 2, T 5, B 3): one window's gradients per tensor, and whole training
// steps queued back to back (each in flight with its own masks) at a rate that
// changes from step to step, the mode switching mid-run in one of them, so a
// program cached for one mode serving another would show. Tolerances are
// backend.test.ts's (gradients) and training.test.ts's (steps).
//
// Dimension legend: V vocabulary, E embedding, H hidden, L layers, T window,
// B batch.

import { afterAll, describe, expect, test } from 'vitest';
import type { Batch } from '../../src/engine/backend';
import { CELL_TYPES } from '../../src/engine/cells';
import { DEFAULT_OPTIMIZER, type ModelConfig, type OptimizerConfig } from '../../src/engine/config';
import { CpuBackend } from '../../src/engine/cpu/backend';
import type { DropoutSpec } from '../../src/engine/dropout';
import { createGpuBackend, type GpuBackendOptions } from '../../src/engine/gpu';
import { initParams, paramLayout } from '../../src/engine/params';
import { Rng } from '../../src/engine/rng';
import { openGpu } from '../helpers/webgpu';
import { expectClose, relativeError } from './support';

const harness = await openGpu();
afterAll(() => harness.close());

const dims = { vocabSize: 11, embedSize: 7, hiddenSize: 9, layers: 2 };
const [T, B] = [5, 3];
const SEED = 1234;

function randomBatch(rng: Rng): Batch {
  const tokens = () => Int32Array.from({ length: T * B }, () => rng.int(dims.vocabSize));
  return { inputs: tokens(), targets: tokens(), seqLen: T, batchSize: B };
}

// Weight decay and clipping active, as in training.test.ts.
const optimizer: OptimizerConfig = {
  ...DEFAULT_OPTIMIZER,
  learningRate: 1e-2,
  weightDecay: 0.01,
  clipNorm: 1,
};

const plans: Record<string, Partial<GpuBackendOptions>> = {
  'step kernels, register GEMMs': { recurrent: 'step', gemm: 'register', autotune: false },
  'persistent kernels, tiled GEMMs': { recurrent: 'persistent', gemm: 'tiled', autotune: false },
};

const MODES = ['standard', 'variational'] as const;

async function backends(model: ModelConfig, plan: Partial<GpuBackendOptions>) {
  const params = initParams(model, new Rng(3));
  const cpu = new CpuBackend(model, params, { batchSize: B, seqLen: T });
  const gpu = await createGpuBackend(harness.device, model, params, {
    batchSize: B,
    seqLen: T,
    ...plan,
  });
  return { cpu, gpu };
}

describe.each(CELL_TYPES)('dropout on the GPU vs the CPU (%s)', (cell) => {
  const model: ModelConfig = { cell, ...dims };

  for (const [planName, plan] of Object.entries(plans)) {
    for (const mode of MODES) {
      test(`gradients(batch, dropout) per tensor (${mode}; ${planName})`, async () => {
        const { cpu, gpu } = await backends(model, plan);
        try {
          const dropout: DropoutSpec = {
            rate: 0.4,
            variational: mode === 'variational',
            seed: SEED,
          };
          const rng = new Rng(11);
          // A carried state that is not zero and a step count past 0: one dropped step first.
          const warm = randomBatch(rng);
          cpu.trainStep(warm, optimizer, false, dropout);
          gpu.trainStep(warm, optimizer, false, dropout);
          const batch = randomBatch(rng);
          const want = await cpu.gradients(batch, dropout);
          const got = await gpu.gradients(batch, dropout);
          expect(Math.abs(got.loss - want.loss) / want.loss).toBeLessThan(1e-5);
          for (const t of paramLayout(model).tensors) {
            const g = got.grads.subarray(t.offset, t.offset + t.size);
            const c = want.grads.subarray(t.offset, t.offset + t.size);
            const err = relativeError(g, c);
            expect(err, `${t.name}: relative error ${err}`).toBeLessThan(1e-4);
          }
          // The masks did something: without them the same window's loss differs.
          const plain = await gpu.gradients(batch);
          expect(Math.abs(plain.loss - got.loss)).toBeGreaterThan(1e-4);
          expectClose('undropped loss', [plain.loss], [(await cpu.gradients(batch)).loss], 0, 1e-5);
        } finally {
          gpu.dispose();
        }
      });
    }

    test(`16 training steps queued back to back, rate changing per step, modes switching (${planName})`, async () => {
      const { cpu, gpu } = await backends(model, plan);
      try {
        const rng = new Rng(5);
        // Off, standard and variational steps mixed: three programs from one cache.
        const modes = [...MODES, null, 'standard', 'variational', 'variational', null, 'standard'];
        for (let s = 0; s < 16; s++) {
          const mode = modes[s % modes.length];
          const dropout: DropoutSpec | undefined = mode
            ? { rate: 0.1 + 0.1 * (s % 5), variational: mode === 'variational', seed: SEED }
            : undefined;
          const batch = randomBatch(rng);
          cpu.trainStep(batch, optimizer, false, dropout);
          gpu.trainStep(batch, optimizer, false, dropout);
        }
        // Nothing was read back in between: all 16 were queued with their own keys.
        const [gpuLosses, cpuLosses] = [await gpu.drainLosses(), await cpu.drainLosses()];
        expect(gpuLosses.map((l) => l.step)).toEqual(cpuLosses.map((l) => l.step));
        const loss = (xs: { loss: number }[]) => xs.map((l) => l.loss);
        const norm = (xs: { gradNorm: number }[]) => xs.map((l) => l.gradNorm);
        expectClose('loss curve', loss(gpuLosses), loss(cpuLosses), 0, 1e-3);
        expectClose('grad norms', norm(gpuLosses), norm(cpuLosses), 0, 1e-3);
        const [gs, cs] = [await gpu.getState(), await cpu.getState()];
        expectClose('carried h', gs.h, cs.h, 1e-4, 1e-3);
        expectClose('carried c', gs.c, cs.c, 1e-4, 1e-3);
        expectClose('params', await gpu.getParams(), await cpu.getParams(), 1e-4, 1e-3);
      } finally {
        gpu.dispose();
      }
    });
  }

  for (const mode of MODES) {
    test(`12 steps of ${mode} dropout at 0.5: losses and weights match`, async () => {
      const { cpu, gpu } = await backends(model, { autotune: false });
      try {
        const rng = new Rng(9);
        const dropout: DropoutSpec = { rate: 0.5, variational: mode === 'variational', seed: 77 };
        for (let s = 0; s < 12; s++) {
          const batch = randomBatch(rng);
          cpu.trainStep(batch, optimizer, s === 5, dropout);
          gpu.trainStep(batch, optimizer, s === 5, dropout);
        }
        const [gpuLosses, cpuLosses] = [await gpu.drainLosses(), await cpu.drainLosses()];
        expectClose(
          'loss curve',
          gpuLosses.map((l) => l.loss),
          cpuLosses.map((l) => l.loss),
          0,
          1e-3,
        );
        expectClose('params', await gpu.getParams(), await cpu.getParams(), 1e-4, 1e-3);
        // A rollback replays the same masks (they depend on the step number only).
        await gpu.rollback(6);
        await cpu.rollback(6);
        const replay = randomBatch(rng);
        gpu.trainStep(replay, optimizer, false, dropout);
        cpu.trainStep(replay, optimizer, false, dropout);
        const [g7, c7] = [await gpu.drainLosses(), await cpu.drainLosses()];
        expect(g7.map((l) => l.step)).toEqual([7]);
        expect(c7.map((l) => l.step)).toEqual([7]);
        expectClose('replayed step', [g7[0].loss], [c7[0].loss], 0, 1e-3);
        expectClose(
          'params after replay',
          await gpu.getParams(),
          await cpu.getParams(),
          1e-4,
          1e-3,
        );
      } finally {
        gpu.dispose();
      }
    });
  }
});
